import type { BuilderView, RuleView } from './builderModel';

// A rule in plain words, for the builder's hover text ("what does this rule do?").

function portsText(rule: RuleView): string {
  const groups = rule.portGroups.map((g) => {
    const ports = g.ports
      .map((p) => `${p.protocol}/${p.port || 'any port'}${p.endPort !== undefined ? `-${p.endPort}` : ''}`)
      .join(', ');
    const http = g.http.map((h) => `${h.method || 'any method'} ${h.urlPath || 'any path'}`).join('; ');
    return http ? `${ports} (HTTP only: ${http})` : ports;
  });
  return groups.length > 0 ? ` on ${groups.join(' and ')}` : ' on any port';
}

export function explainRule(view: BuilderView, rule: RuleView): string {
  const deny = rule.direction.endsWith('Deny');
  const ingress = rule.direction.startsWith('ingress');
  const cilium = view.kind !== 'NetworkPolicy';
  if (rule.peers.length === 0 && rule.portGroups.length === 0 && cilium)
    return `Matches nothing: it only turns on default deny for ${ingress ? 'ingress' : 'egress'}.`;
  const peers =
    rule.peers.length > 0
      ? rule.peers.map((p) => p.text).join(' or ')
      : ingress
        ? 'any source'
        : 'any destination';
  const verb = deny ? 'Denies' : 'Allows';
  const flow = ingress
    ? `traffic from ${peers} to the selected pods`
    : `traffic from the selected pods to ${peers}`;
  const tail = deny ? ', even if another rule allows it.' : '.';
  return `${verb} ${flow}${portsText(rule)}${tail}`;
}
