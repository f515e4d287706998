import { documentValues, type Path } from './yamlEdit';

// The visual builder's view of one policy document: what it shows and where each piece lives in
// the YAML (its path), so an edit in the builder is a targeted YAML edit and an edit in the YAML
// is simply a fresh read. Constructs the builder does not model are listed as YAML-only.

export type PolicyKindName = 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
export type Direction = 'ingress' | 'egress' | 'ingressDeny' | 'egressDeny';
/** Peers as the Cilium editor groups them: same namespace, elsewhere in the cluster, outside it. */
export type PeerGroup = 'namespace' | 'cluster' | 'outside';
export type PeerType = 'pods' | 'namespaces' | 'cidr' | 'entity';
export type Label = [key: string, value: string];

export interface SelectorView {
  path: Path;
  labels: Label[];
  /** matchExpressions are shown, not edited, in the builder */
  expressions: string[];
}

export interface PeerView {
  path: Path;
  group: PeerGroup;
  type: PeerType;
  /** plain words: "pods app=frontend in namespace shop" */
  text: string;
}

export interface PortView {
  path: Path;
  port: string;
  endPort?: number;
  protocol: string;
}

export interface HttpView {
  path: Path;
  method: string;
  urlPath: string;
  headers: string[];
  yamlOnly: string[];
}

export interface PortGroupView {
  /** where `ports` of this group lives (a NetworkPolicy rule's own `ports`, a Cilium `toPorts[i].ports`) */
  portsPath: Path;
  ports: PortView[];
  /** Cilium allow rules only: the HTTP rules of this group (`toPorts[i].rules.http`) */
  httpPath?: Path;
  http: HttpView[];
}

export interface RuleView {
  direction: Direction;
  index: number;
  path: Path;
  peers: PeerView[];
  portGroups: PortGroupView[];
  yamlOnly: string[];
  /** Cilium: the YAML keys of the peers in use (a rule takes one kind of peer) and its raw toPorts */
  peerKeys: string[];
  toPorts?: unknown;
}

export interface BuilderView {
  document: number;
  kind: PolicyKindName;
  name: string;
  namespace?: string;
  /** where the rules live: ['spec'] */
  specPath: Path;
  selector: SelectorView;
  selectorKey: 'podSelector' | 'endpointSelector' | 'nodeSelector';
  directions: Direction[];
  rules: Record<Direction, RuleView[]>;
  /** the selected pods drop what no rule allows, per direction */
  isolated: { ingress: boolean; egress: boolean };
  /** NetworkPolicy only */
  policyTypes?: string[];
  yamlOnly: string[];
}

export type BuilderRead = { ok: true; view: BuilderView } | { ok: false; reason: string };

export const CILIUM_NAMESPACE_KEYS = ['k8s:io.kubernetes.pod.namespace', 'io.kubernetes.pod.namespace'];
export const NAMESPACE_NAME_KEY = 'kubernetes.io/metadata.name';
const OUTSIDE_ENTITIES = new Set(['world', 'all']);
const KINDS = new Set<string>(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export const isCilium = (kind: PolicyKindName) => kind !== 'NetworkPolicy';

function labelsOf(selector: unknown): Label[] {
  const m = isObj(selector) && isObj(selector.matchLabels) ? selector.matchLabels : {};
  return Object.entries(m).map(([k, v]) => [k, str(v)]);
}

function expressionsOf(selector: unknown): string[] {
  const list = isObj(selector) ? arr(selector.matchExpressions) : [];
  return list.map((e) => {
    const x = isObj(e) ? e : {};
    const values = arr(x.values).map(str);
    return `${str(x.key)} ${str(x.operator)}${values.length > 0 ? ` (${values.join(', ')})` : ''}`;
  });
}

export const formatLabels = (labels: Label[]) => labels.map(([k, v]) => `${k}=${v}`).join(', ');

function selectorText(selector: unknown, what: string, omit: string[] = []): string {
  const labels = labelsOf(selector).filter(([k]) => !omit.includes(k));
  const parts = [...labels.map(([k, v]) => `${k}=${v}`), ...expressionsOf(selector)];
  return parts.length === 0 ? `every ${what}` : `${what}s ${parts.join(', ')}`;
}

function selectorView(spec: Obj, key: string, specPath: Path): SelectorView {
  return {
    path: [...specPath, key],
    labels: labelsOf(spec[key]),
    expressions: expressionsOf(spec[key]),
  };
}

// ---- NetworkPolicy ----

function npPeer(peer: unknown, path: Path): PeerView {
  const p = isObj(peer) ? peer : {};
  if (isObj(p.ipBlock)) {
    const except = arr(p.ipBlock.except).map(str);
    const text = `${str(p.ipBlock.cidr)}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`;
    return { path, group: 'outside', type: 'cidr', text };
  }
  if (p.namespaceSelector !== undefined) {
    const nsName = labelsOf(p.namespaceSelector).find(([k]) => k === NAMESPACE_NAME_KEY)?.[1];
    const ns = nsName
      ? `namespace ${nsName}${labelsOf(p.namespaceSelector).length > 1 || expressionsOf(p.namespaceSelector).length > 0 ? ` (${selectorText(p.namespaceSelector, 'namespace', [NAMESPACE_NAME_KEY])})` : ''}`
      : selectorText(p.namespaceSelector, 'namespace');
    const pods = p.podSelector === undefined ? 'every pod' : selectorText(p.podSelector, 'pod');
    return { path, group: 'cluster', type: 'namespaces', text: `${pods} in ${ns}` };
  }
  return { path, group: 'namespace', type: 'pods', text: selectorText(p.podSelector, 'pod') };
}

function npRule(rule: unknown, direction: 'ingress' | 'egress', index: number, path: Path): RuleView {
  const r = isObj(rule) ? rule : {};
  const peerKey = direction === 'ingress' ? 'from' : 'to';
  const peers = arr(r[peerKey]).map((p, i) => npPeer(p, [...path, peerKey, i]));
  const ports = arr(r.ports).map((p, i) => {
    const x = isObj(p) ? p : {};
    const endPort = typeof x.endPort === 'number' ? x.endPort : undefined;
    return { path: [...path, 'ports', i], port: str(x.port), endPort, protocol: str(x.protocol) || 'TCP' };
  });
  const yamlOnly = Object.keys(r)
    .filter((k) => k !== peerKey && k !== 'ports')
    .map((k) => `${direction}[${index}].${k}`);
  return {
    direction,
    index,
    path,
    peers,
    portGroups: ports.length > 0 ? [{ portsPath: [...path, 'ports'], ports, http: [] }] : [],
    yamlOnly,
    peerKeys: r[peerKey] === undefined ? [] : [peerKey],
  };
}

// ---- Cilium ----

function ciliumEndpointPeer(selector: unknown, path: Path, clusterwide: boolean): PeerView {
  const ns = labelsOf(selector).find(([k]) => CILIUM_NAMESPACE_KEYS.includes(k))?.[1];
  const pods = selectorText(selector, 'pod', CILIUM_NAMESPACE_KEYS);
  if (ns !== undefined) return { path, group: 'cluster', type: 'pods', text: `${pods} in namespace ${ns}` };
  if (clusterwide) return { path, group: 'cluster', type: 'pods', text: `${pods} in any namespace` };
  return { path, group: 'namespace', type: 'pods', text: pods };
}

function ciliumRule(rule: unknown, direction: Direction, index: number, path: Path, kind: PolicyKindName) {
  const r = isObj(rule) ? rule : {};
  const pre = direction.startsWith('ingress') ? 'from' : 'to';
  const deny = direction.endsWith('Deny');
  const clusterwide = kind === 'CiliumClusterwideNetworkPolicy';
  const peers: PeerView[] = [
    ...arr(r[`${pre}Endpoints`]).map((s, i) =>
      ciliumEndpointPeer(s, [...path, `${pre}Endpoints`, i], clusterwide),
    ),
    ...arr(r[`${pre}Entities`]).map(
      (e, i): PeerView => ({
        path: [...path, `${pre}Entities`, i],
        group: OUTSIDE_ENTITIES.has(str(e)) ? 'outside' : 'cluster',
        type: 'entity',
        text: `entity ${str(e)}`,
      }),
    ),
    ...arr(r[`${pre}CIDR`]).map(
      (c, i): PeerView => ({
        path: [...path, `${pre}CIDR`, i],
        group: 'outside',
        type: 'cidr',
        text: str(c),
      }),
    ),
    ...arr(r[`${pre}CIDRSet`]).map((c, i): PeerView => {
      const x = isObj(c) ? c : {};
      const except = arr(x.except).map(str);
      return {
        path: [...path, `${pre}CIDRSet`, i],
        group: 'outside',
        type: 'cidr',
        text: `${str(x.cidr)}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`,
      };
    }),
  ];
  const modelled = new Set([`${pre}Endpoints`, `${pre}Entities`, `${pre}CIDR`, `${pre}CIDRSet`, 'toPorts']);
  const yamlOnly = Object.keys(r)
    .filter((k) => !modelled.has(k))
    .map((k) => `${direction}[${index}].${k}`);
  const portGroups = arr(r.toPorts).map((g, gi): PortGroupView => {
    const x = isObj(g) ? g : {};
    const gPath = [...path, 'toPorts', gi];
    const ports = arr(x.ports).map((p, i) => {
      const y = isObj(p) ? p : {};
      const endPort = typeof y.endPort === 'number' ? y.endPort : undefined;
      return { path: [...gPath, 'ports', i], port: str(y.port), endPort, protocol: str(y.protocol) || 'ANY' };
    });
    const rules = isObj(x.rules) ? x.rules : {};
    for (const k of Object.keys(rules))
      if (k !== 'http') yamlOnly.push(`${direction}[${index}].toPorts[${gi}].rules.${k}`);
    for (const k of Object.keys(x))
      if (k !== 'ports' && k !== 'rules') yamlOnly.push(`${direction}[${index}].toPorts[${gi}].${k}`);
    const http = arr(rules.http).map((h, hi): HttpView => {
      const z = isObj(h) ? h : {};
      return {
        path: [...gPath, 'rules', 'http', hi],
        method: str(z.method),
        urlPath: str(z.path),
        headers: arr(z.headers).map(str),
        yamlOnly: Object.keys(z).filter((k) => !['method', 'path', 'headers'].includes(k)),
      };
    });
    return {
      portsPath: [...gPath, 'ports'],
      ports,
      ...(deny ? {} : { httpPath: [...gPath, 'rules', 'http'] }),
      http,
    };
  });
  const peerKeys = ['Endpoints', 'Entities', 'CIDR', 'CIDRSet']
    .map((k) => `${pre}${k}`)
    .filter((k) => arr(r[k]).length > 0);
  return {
    direction,
    index,
    path,
    peers,
    portGroups,
    yamlOnly,
    peerKeys,
    toPorts: r.toPorts,
  } satisfies RuleView;
}

/** The builder's view of document `document` of `text`, or why the builder cannot show it. */
export function readBuilder(text: string, document = 0): BuilderRead {
  const docs = documentValues(text);
  const doc = docs[document];
  if (!doc) return { ok: false, reason: 'The text has no YAML document to show.' };
  if (doc.broken) return { ok: false, reason: 'The YAML has syntax errors: fix them in the text editor.' };
  const o = doc.value;
  if (!isObj(o)) return { ok: false, reason: 'The document is not a YAML mapping.' };
  const kind = str(o.kind);
  if (!KINDS.has(kind))
    return {
      ok: false,
      reason: `The builder edits NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, not "${kind || 'no kind'}".`,
    };
  const k = kind as PolicyKindName;
  const meta = isObj(o.metadata) ? o.metadata : {};
  const yamlOnly: string[] = [];
  const rules: Record<Direction, RuleView[]> = { ingress: [], egress: [], ingressDeny: [], egressDeny: [] };
  const specPath = ['spec'];
  const spec = isObj(o.spec) ? o.spec : {};
  if (o.specs !== undefined) yamlOnly.push('specs (several rules in one policy)');
  if (k === 'NetworkPolicy') {
    const types = arr(spec.policyTypes).map(str);
    for (const d of ['ingress', 'egress'] as const)
      rules[d] = arr(spec[d]).map((r, i) => npRule(r, d, i, [...specPath, d, i]));
    const hasTypes = spec.policyTypes !== undefined;
    return {
      ok: true,
      view: {
        document,
        kind: k,
        name: str(meta.name),
        namespace: meta.namespace === undefined ? undefined : str(meta.namespace),
        specPath,
        selector: selectorView(spec, 'podSelector', specPath),
        selectorKey: 'podSelector',
        directions: ['ingress', 'egress'],
        rules,
        isolated: {
          ingress: hasTypes ? types.includes('Ingress') : true,
          egress: hasTypes ? types.includes('Egress') : spec.egress !== undefined,
        },
        policyTypes: hasTypes ? types : undefined,
        yamlOnly: [
          ...yamlOnly,
          ...rules.ingress.flatMap((r) => r.yamlOnly),
          ...rules.egress.flatMap((r) => r.yamlOnly),
        ],
      },
    };
  }
  const directions: Direction[] = ['ingress', 'egress', 'ingressDeny', 'egressDeny'];
  for (const d of directions)
    rules[d] = arr(spec[d]).map((r, i) => ciliumRule(r, d, i, [...specPath, d, i], k));
  for (const key of Object.keys(spec))
    if (!['endpointSelector', 'nodeSelector', 'description', ...directions].includes(key))
      yamlOnly.push(`spec.${key}`);
  const selectorKey = spec.nodeSelector !== undefined ? 'nodeSelector' : 'endpointSelector';
  const rulesIn = (d: Direction) => arr(spec[d]).length > 0;
  return {
    ok: true,
    view: {
      document,
      kind: k,
      name: str(meta.name),
      namespace: meta.namespace === undefined ? undefined : str(meta.namespace),
      specPath,
      selector: selectorView(spec, selectorKey, specPath),
      selectorKey,
      directions,
      rules,
      isolated: {
        ingress: rulesIn('ingress') || rulesIn('ingressDeny'),
        egress: rulesIn('egress') || rulesIn('egressDeny'),
      },
      yamlOnly: [...yamlOnly, ...directions.flatMap((d) => rules[d].flatMap((r) => r.yamlOnly))],
    },
  };
}
