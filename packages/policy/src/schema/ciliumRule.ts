// cilium.io/v2 rules (the `spec`/`specs` entries of CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy), with cilium's sanitize() rules.

import { z } from 'zod';
import { checkedString, crossCheck, has, isRecord, nonEmptyArray } from './checks';
import { parseCidr } from './cidr';
import { portDenyRuleSchema, portRuleSchema } from './ciliumPorts';
import { DESCRIBE } from './descriptions';
import { labelSelectorSchema } from './labels';
import { objectMetaSchema } from './meta';
import { dns1123SubdomainProblems } from './names';
import { checkExcepts } from './networkPolicy';

export const CILIUM_API_VERSION = 'cilium.io/v2';

export const ENTITIES = [
  'all',
  'world',
  'cluster',
  'host',
  'remote-node',
  'kube-apiserver',
  'health',
  'init',
  'unmanaged',
] as const;

/** fromCIDR/toCIDR accept a bare address as a single host; CIDR sets need the prefix. */
const cidrString = (allowBareIp: boolean) =>
  checkedString((text) => {
    const parsed = parseCidr(text, { allowBareIp });
    return parsed.ok ? [] : [parsed.problem.replace(`"${text}" `, '')];
  });

function cidrRuleSchema() {
  const shape = z.strictObject({ cidr: cidrString(false), except: z.array(cidrString(false)).optional() });
  return crossCheck(shape, (raw, report) => checkExcepts(raw, report, 'contained'));
}

const selectors = () => z.array(labelSelectorSchema('cilium'));

/** Cilium refuses to mix these peer kinds inside one rule ("combining X and Y is not supported"). */
function checkPeerKinds(fields: readonly string[]) {
  return (raw: unknown, report: (path: (string | number)[], message: string) => void) => {
    if (!isRecord(raw)) return;
    const used = fields.filter((f) => nonEmptyArray(raw[f]));
    for (const extra of used.slice(1)) {
      report([extra], `${used[0]} and ${extra} cannot be combined in one rule; write them as two rules`);
    }
  };
}

const INGRESS_PEERS = ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities'] as const;
const EGRESS_PEERS = ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities'] as const;

const ingressPeerShape = {
  fromEndpoints: selectors().optional().describe(DESCRIBE.fromEndpoints),
  fromRequires: selectors().optional().describe(DESCRIBE.requires),
  fromCIDR: z.array(cidrString(true)).optional().describe(DESCRIBE.cidr),
  fromCIDRSet: z.array(cidrRuleSchema()).optional().describe(DESCRIBE.cidrSet),
  fromEntities: z.array(z.enum(ENTITIES)).optional().describe(DESCRIBE.entities),
};

const egressPeerShape = {
  toEndpoints: selectors().optional().describe(DESCRIBE.toEndpoints),
  toRequires: selectors().optional().describe(DESCRIBE.requires),
  toCIDR: z.array(cidrString(true)).optional().describe(DESCRIBE.cidr),
  toCIDRSet: z.array(cidrRuleSchema()).optional().describe(DESCRIBE.cidrSet),
  toEntities: z.array(z.enum(ENTITIES)).optional().describe(DESCRIBE.entities),
};

export const ingressRuleSchema = () =>
  crossCheck(
    z.strictObject({
      ...ingressPeerShape,
      toPorts: z.array(portRuleSchema()).optional().describe(DESCRIBE.toPorts),
    }),
    checkPeerKinds(INGRESS_PEERS),
  );
export const ingressDenyRuleSchema = () =>
  crossCheck(
    z.strictObject({
      ...ingressPeerShape,
      toPorts: z.array(portDenyRuleSchema()).optional().describe(DESCRIBE.toPorts),
    }),
    checkPeerKinds(INGRESS_PEERS),
  );
export const egressRuleSchema = () =>
  crossCheck(
    z.strictObject({
      ...egressPeerShape,
      toPorts: z.array(portRuleSchema()).optional().describe(DESCRIBE.toPorts),
    }),
    checkPeerKinds(EGRESS_PEERS),
  );
export const egressDenyRuleSchema = () =>
  crossCheck(
    z.strictObject({
      ...egressPeerShape,
      toPorts: z.array(portDenyRuleSchema()).optional().describe(DESCRIBE.toPorts),
    }),
    checkPeerKinds(EGRESS_PEERS),
  );

const ruleLabelSchema = () =>
  z.strictObject({ key: z.string(), value: z.string().optional(), source: z.string().optional() });

export type RuleScope = 'namespaced' | 'clusterwide';

/**
 * One rule. Namespaced policies select endpoints (nodeSelector is clusterwide-only); clusterwide
 * policies set exactly one of endpointSelector and nodeSelector. `ingress: [{}]` (a rule with
 * no peers) allows nothing but still puts the selected endpoints into default-deny for ingress.
 */
export function ciliumRuleSchema(scope: RuleScope) {
  const shape = z.strictObject({
    endpointSelector: labelSelectorSchema('cilium').optional().describe(DESCRIBE.endpointSelector),
    nodeSelector: labelSelectorSchema('cilium').optional().describe(DESCRIBE.nodeSelector),
    ingress: z.array(ingressRuleSchema()).optional().describe(DESCRIBE.cnpIngress),
    ingressDeny: z.array(ingressDenyRuleSchema()).optional().describe(DESCRIBE.ingressDeny),
    egress: z.array(egressRuleSchema()).optional().describe(DESCRIBE.cnpEgress),
    egressDeny: z.array(egressDenyRuleSchema()).optional().describe(DESCRIBE.egressDeny),
    description: z.string().optional(),
    labels: z.array(ruleLabelSchema()).optional(),
  });
  return crossCheck(shape, (raw, report) => {
    if (!isRecord(raw)) return;
    const endpoint = has(raw, 'endpointSelector');
    const node = has(raw, 'nodeSelector');
    if (scope === 'namespaced') {
      if (node) report(['nodeSelector'], 'nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy');
      else if (!endpoint)
        report(['endpointSelector'], 'endpointSelector is required ({} selects every endpoint)');
    } else if (endpoint && node) {
      report(['nodeSelector'], 'set either endpointSelector or nodeSelector, not both');
    } else if (!endpoint && !node) {
      report(['endpointSelector'], 'set one of endpointSelector or nodeSelector ({} selects everything)');
    }
    if (node) reportHostL7(raw, report);
  });
}

/** Cilium: "host policies do not support L7 rules yet". */
function reportHostL7(rule: Record<string, unknown>, report: (p: (string | number)[], m: string) => void) {
  for (const direction of ['ingress', 'egress'] as const) {
    const rules = rule[direction];
    if (!Array.isArray(rules)) continue;
    rules.forEach((r, i) => {
      const toPorts = isRecord(r) ? r.toPorts : undefined;
      if (!Array.isArray(toPorts)) return;
      toPorts.forEach((pr, j) => {
        if (isRecord(pr) && isRecord(pr.rules) && Array.isArray(pr.rules.http)) {
          report(
            [direction, i, 'toPorts', j, 'rules'],
            'L7 rules are not supported in host (nodeSelector) policies',
          );
        }
      });
    });
  }
}

function ciliumPolicySchema<K extends string>(kind: K, scope: RuleScope) {
  const shape = z.strictObject({
    apiVersion: z.literal(CILIUM_API_VERSION),
    kind: z.literal(kind),
    metadata: objectMetaSchema(dns1123SubdomainProblems),
    spec: ciliumRuleSchema(scope).optional(),
    specs: z.array(ciliumRuleSchema(scope)).optional(),
    // Written by the Cilium operator; accepted for round trips, never interpreted.
    status: z.unknown().optional(),
  });
  return crossCheck(shape, (raw, report) => {
    if (isRecord(raw) && !has(raw, 'spec') && !nonEmptyArray(raw.specs)) {
      report(['spec'], `a ${kind} needs spec (one rule) or specs (a list of rules)`);
    }
  });
}

export const ciliumNetworkPolicySchema = ciliumPolicySchema('CiliumNetworkPolicy', 'namespaced');
export const ciliumClusterwideNetworkPolicySchema = ciliumPolicySchema(
  'CiliumClusterwideNetworkPolicy',
  'clusterwide',
);
