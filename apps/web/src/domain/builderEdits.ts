import {
  type BuilderView,
  CILIUM_NAMESPACE_KEYS,
  type Direction,
  isCilium,
  type Label,
  NAMESPACE_NAME_KEY,
  type PolicyKindName,
  type PortGroupView,
  type RuleView,
} from './builderModel';
import type { Edit, Path } from './yamlEdit';

// What the builder's buttons and fields do, as YAML edits. The same peer or port is written the
// way each kind spells it: `from: [{ipBlock}]` for a NetworkPolicy, `fromCIDRSet` for Cilium.

export type NewPeer =
  | { type: 'pods'; group: 'namespace'; labels: Label[] }
  /** pods in another namespace; namespace '' means any namespace */
  | { type: 'pods'; group: 'cluster'; namespace: string; labels: Label[] }
  | { type: 'cidr'; group: 'outside'; cidr: string; except: string[] }
  /** Cilium only: world, cluster, host, remote-node, kube-apiserver… */
  | { type: 'entity'; group: 'cluster' | 'outside'; entity: string };

export interface NewPort {
  port: string;
  endPort?: number;
  protocol: string;
}

export interface NewHttp {
  method: string;
  path: string;
  headers: string[];
}

const selector = (labels: Label[]) => (labels.length > 0 ? { matchLabels: Object.fromEntries(labels) } : {});
const peerPrefix = (d: Direction) => (d.startsWith('ingress') ? 'from' : 'to');

/** The key (under the rule) and the value of a peer, as `kind` writes it. */
export function peerEntry(kind: PolicyKindName, direction: Direction, peer: NewPeer): [string, unknown] {
  const pre = peerPrefix(direction);
  if (!isCilium(kind)) {
    if (peer.type === 'entity') throw new Error('entities are Cilium peers: use a CIDR in a NetworkPolicy');
    if (peer.type === 'cidr')
      return [
        pre,
        { ipBlock: { cidr: peer.cidr, ...(peer.except.length > 0 ? { except: peer.except } : {}) } },
      ];
    if (peer.group === 'namespace') return [pre, { podSelector: selector(peer.labels) }];
    return [
      pre,
      {
        namespaceSelector: peer.namespace ? { matchLabels: { [NAMESPACE_NAME_KEY]: peer.namespace } } : {},
        ...(peer.labels.length > 0 ? { podSelector: selector(peer.labels) } : {}),
      },
    ];
  }
  if (peer.type === 'entity') return [`${pre}Entities`, peer.entity];
  // Always a CIDR set: Cilium refuses fromCIDR and fromCIDRSet side by side in one rule.
  if (peer.type === 'cidr')
    return [`${pre}CIDRSet`, { cidr: peer.cidr, ...(peer.except.length > 0 ? { except: peer.except } : {}) }];
  if (peer.group === 'namespace' || (kind === 'CiliumClusterwideNetworkPolicy' && peer.namespace === ''))
    return [`${pre}Endpoints`, selector(peer.labels)];
  if (peer.namespace === '')
    // A namespaced policy's endpoint selectors stay in its namespace unless they name one.
    return [
      `${pre}Endpoints`,
      {
        ...selector(peer.labels),
        matchExpressions: [{ key: CILIUM_NAMESPACE_KEYS[0], operator: 'Exists' }],
      },
    ];
  return [`${pre}Endpoints`, selector([[CILIUM_NAMESPACE_KEYS[0]!, peer.namespace], ...peer.labels])];
}

/** A NetworkPolicy with explicit policyTypes must list a direction for its rules to count. */
function ensurePolicyType(view: BuilderView, direction: Direction): Edit[] {
  if (view.kind !== 'NetworkPolicy' || !view.policyTypes) return [];
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  if (view.policyTypes.includes(type)) return [];
  return [{ op: 'append', path: [...view.specPath, 'policyTypes'], value: type }];
}

export function addRule(view: BuilderView, direction: Direction, peer?: NewPeer): Edit[] {
  const rule = peer
    ? Object.fromEntries([peerEntry(view.kind, direction, peer)].map(([k, v]) => [k, [v]]))
    : {};
  return [
    ...ensurePolicyType(view, direction),
    { op: 'append', path: [...view.specPath, direction], value: rule },
  ];
}

/**
 * Adds a peer to a rule. A Cilium rule takes one kind of peer, so a peer of another kind becomes
 * a rule of its own with the same ports (same meaning: this peer, on these ports).
 */
export function addPeer(view: BuilderView, rule: RuleView, peer: NewPeer): Edit[] {
  const [key, value] = peerEntry(view.kind, rule.direction, peer);
  if (isCilium(view.kind) && rule.peerKeys.some((k) => k !== key)) {
    const sibling = { [key]: [value], ...(rule.toPorts !== undefined ? { toPorts: rule.toPorts } : {}) };
    return [{ op: 'append', path: rule.path.slice(0, -1), value: sibling }];
  }
  return [{ op: 'append', path: [...rule.path, key], value }];
}

function portValue(kind: PolicyKindName, p: NewPort): Record<string, unknown> {
  const numeric = /^\d+$/.test(p.port.trim());
  const port = isCilium(kind) ? p.port.trim() : numeric ? Number(p.port) : p.port.trim();
  return {
    port,
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    protocol: p.protocol,
  };
}

/** A NetworkPolicy rule gains a port; a Cilium rule gains a port group (its own L7 rules). */
export function addPort(view: BuilderView, rule: RuleView, port: NewPort): Edit[] {
  if (!isCilium(view.kind))
    return [{ op: 'append', path: [...rule.path, 'ports'], value: portValue(view.kind, port) }];
  return [{ op: 'append', path: [...rule.path, 'toPorts'], value: { ports: [portValue(view.kind, port)] } }];
}

export function addPortToGroup(view: BuilderView, group: PortGroupView, port: NewPort): Edit[] {
  return [{ op: 'append', path: group.portsPath, value: portValue(view.kind, port) }];
}

export function setPortNumber(view: BuilderView, portPath: Path, port: string): Edit[] {
  const v = port.trim();
  if (v === '') return [{ op: 'delete', path: [...portPath, 'port'], keepDepth: portPath.length }];
  const numeric = /^\d+$/.test(v);
  return [{ op: 'set', path: [...portPath, 'port'], value: !isCilium(view.kind) && numeric ? Number(v) : v }];
}

export function addHttp(group: PortGroupView, http: NewHttp): Edit[] {
  if (!group.httpPath) throw new Error('deny rules carry no L7 rules');
  const value = {
    ...(http.method ? { method: http.method } : {}),
    ...(http.path ? { path: http.path } : {}),
    ...(http.headers.length > 0 ? { headers: http.headers } : {}),
  };
  return [{ op: 'append', path: group.httpPath, value }];
}

/** A scalar field: empty text removes it (the field stays a plain map, never `key: ""`). */
export function setField(path: Path, value: string | number | undefined): Edit[] {
  if (value === undefined || value === '') return [{ op: 'delete', path, keepDepth: path.length - 1 }];
  return [{ op: 'set', path, value }];
}

export function setList(path: Path, values: string[]): Edit[] {
  return values.length > 0
    ? [{ op: 'set', path, value: values }]
    : [{ op: 'delete', path, keepDepth: path.length - 1 }];
}

export function setLabels(selectorPath: Path, labels: Label[]): Edit[] {
  if (labels.length === 0)
    return [{ op: 'delete', path: [...selectorPath, 'matchLabels'], keepDepth: selectorPath.length }];
  return [{ op: 'set', path: [...selectorPath, 'matchLabels'], value: Object.fromEntries(labels) }];
}

/**
 * Removes a rule, peer, port or HTTP rule. Containers left empty go too, up to `keepDepth` (a
 * removed peer must not take its rule with it: an empty rule means something else).
 */
export function remove(path: Path, keepDepth: number): Edit[] {
  return [{ op: 'delete', path, keepDepth }];
}

/** "app=frontend, tier=web" → labels (entries without '=' are ignored). */
export function parseLabels(text: string): Label[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.includes('='))
    .map((s) => {
      const eq = s.indexOf('=');
      return [s.slice(0, eq), s.slice(eq + 1)] as Label;
    })
    .filter(([k]) => k !== '');
}

export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
