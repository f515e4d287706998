// networking.k8s.io/v1 NetworkPolicy, validated the way the API server's
// pkg/apis/networking/validation does (same rules, plainer words).

import { z } from 'zod';
import { checkedString, crossCheck, has, type IssueSink, isRecord } from './checks';
import { bitsOf, cidrContains, parseCidr } from './cidr';
import { DESCRIBE } from './descriptions';
import { labelSelectorSchema } from './labels';
import { objectMetaSchema } from './meta';
import { dns1123SubdomainProblems } from './names';
import { L4_PROTOCOLS, portNumberOrNameSchema, portNumberSchema } from './ports';

export const NETWORK_POLICY_API_VERSION = 'networking.k8s.io/v1';

function networkPolicyPortSchema() {
  const shape = z.strictObject({
    protocol: z.enum(L4_PROTOCOLS).optional().describe(DESCRIBE.protocol),
    port: portNumberOrNameSchema().optional().describe(DESCRIBE.npPort),
    endPort: portNumberSchema().optional().describe(DESCRIBE.endPort),
  });
  return crossCheck(shape, (raw, report) => {
    if (!isRecord(raw) || !has(raw, 'endPort')) return;
    if (!has(raw, 'port')) {
      report(['endPort'], 'endPort may only be set together with a numeric port');
    } else if (typeof raw.port === 'string') {
      report(['endPort'], 'endPort may only be set when port is a number, not a port name');
    } else if (typeof raw.port === 'number' && typeof raw.endPort === 'number' && raw.endPort < raw.port) {
      report(['endPort'], `endPort ${raw.endPort} must be greater than or equal to port ${raw.port}`);
    }
  });
}

/** ipBlock: cidr must carry a prefix; every except must be a strict subset of cidr. */
function ipBlockSchema() {
  const cidrText = checkedString((text) => {
    const parsed = parseCidr(text);
    return parsed.ok ? [] : [parsed.problem.replace(`"${text}" `, '')];
  });
  const shape = z.strictObject({ cidr: cidrText, except: z.array(cidrText).optional() });
  return crossCheck(shape, (raw, report) => checkExcepts(raw, report, 'strict'));
}

/**
 * Kubernetes requires each except to be a strict subset (longer prefix) of cidr; Cilium only
 * requires cidr to contain the except's address. Syntax errors were reported by the fields.
 */
export function checkExcepts(raw: unknown, report: IssueSink, mode: 'strict' | 'contained'): void {
  if (!isRecord(raw) || typeof raw.cidr !== 'string' || !Array.isArray(raw.except)) return;
  const outer = parseCidr(raw.cidr);
  if (!outer.ok) return;
  raw.except.forEach((text, i) => {
    if (typeof text !== 'string') return;
    const inner = parseCidr(text);
    if (!inner.ok) return;
    const strict = inner.cidr.prefixLength > outer.cidr.prefixLength;
    const inside =
      mode === 'strict'
        ? cidrContains(outer.cidr, inner.cidr) && strict
        : cidrContains(outer.cidr, { ...inner.cidr, prefixLength: bitsOf(inner.cidr.family) });
    if (!inside) {
      const what = mode === 'strict' ? 'a strict subset of' : 'inside';
      report(['except', i], `"${text}" must be ${what} cidr "${raw.cidr}"`);
    }
  });
}

/**
 * A peer must set at least one field (`{}` is an error, not "everything"), and ipBlock cannot be
 * combined with selectors. podSelector alone = pods of the policy's namespace; namespaceSelector
 * alone = all pods of the selected namespaces; both = selected pods in selected namespaces (AND).
 */
function peerSchema() {
  const shape = z.strictObject({
    podSelector: labelSelectorSchema().optional().describe(DESCRIBE.peerPodSelector),
    namespaceSelector: labelSelectorSchema().optional().describe(DESCRIBE.peerNamespaceSelector),
    ipBlock: ipBlockSchema().optional().describe(DESCRIBE.ipBlock),
  });
  return crossCheck(shape, (raw, report) => {
    if (!isRecord(raw)) return;
    const fields = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((f) => has(raw, f));
    if (fields.length === 0) {
      report(
        [],
        'a peer must set podSelector, namespaceSelector or ipBlock; to allow every source or destination, omit the from/to list instead',
      );
    } else if (has(raw, 'ipBlock') && fields.length > 1) {
      report(
        ['ipBlock'],
        'ipBlock cannot be combined with podSelector or namespaceSelector in the same peer',
      );
    }
  });
}

const ingressRuleSchema = () =>
  z.strictObject({
    from: z.array(peerSchema()).optional().describe(DESCRIBE.from),
    ports: z.array(networkPolicyPortSchema()).optional().describe(DESCRIBE.npPorts),
  });

const egressRuleSchema = () =>
  z.strictObject({
    to: z.array(peerSchema()).optional().describe(DESCRIBE.to),
    ports: z.array(networkPolicyPortSchema()).optional().describe(DESCRIBE.npPorts),
  });

function specSchema() {
  const shape = z.strictObject({
    // Absent means the same as {} (all pods of the namespace), as in the Go API's zero value.
    podSelector: labelSelectorSchema().default({}).describe(DESCRIBE.npPodSelector),
    policyTypes: z
      .array(z.enum(['Ingress', 'Egress']))
      .optional()
      .describe(DESCRIBE.policyTypes),
    ingress: z.array(ingressRuleSchema()).optional().describe(DESCRIBE.npIngress),
    egress: z.array(egressRuleSchema()).optional().describe(DESCRIBE.npEgress),
  });
  return crossCheck(shape, (raw, report) => {
    if (isRecord(raw) && Array.isArray(raw.policyTypes) && raw.policyTypes.length > 2) {
      report(['policyTypes'], 'policyTypes may list at most two entries (Ingress, Egress)');
    }
  });
}

export const networkPolicySchema = z.strictObject({
  apiVersion: z.literal(NETWORK_POLICY_API_VERSION),
  kind: z.literal('NetworkPolicy'),
  metadata: objectMetaSchema(dns1123SubdomainProblems),
  spec: specSchema(),
});

export type NetworkPolicyInput = z.input<typeof networkPolicySchema>;
export type NetworkPolicyOutput = z.output<typeof networkPolicySchema>;
