import type { RuleRef } from '../desired';

/** "NetworkPolicy ns/name ingress[0]": how reasons and the dashboard name a rule. */
export function describeRule(r: RuleRef): string {
  const where = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  const spec = r.specIndex !== undefined ? ` specs[${r.specIndex}]` : '';
  const section = r.deny ? `${r.direction}Deny` : r.direction;
  return `${r.kind} ${where}${spec} ${section}[${r.ruleIndex}]`;
}
