import { z } from 'zod';
import { Verdict } from './flow';

// Everything the agent reports besides flows. Defined once here; the agent, the CLI and the web
// app all parse and print these same shapes.

/** A Kubernetes-style object as stored and returned by the agent (Pod, Namespace, Service, policies). */
export const KubeObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().int().optional(),
    creationTimestamp: z.string().optional(),
  }),
  spec: z.unknown().optional(),
  specs: z.unknown().optional(),
  status: z.unknown().optional(),
});
export type KubeObject = z.infer<typeof KubeObject>;

export const ObjectKind = z.enum([
  'Namespace',
  'Pod',
  'Service',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
]);
export type ObjectKind = z.infer<typeof ObjectKind>;
export const POLICY_KINDS = [
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
] as const;

export const ObjectRef = z.object({
  kind: ObjectKind,
  namespace: z.string().optional(),
  name: z.string(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

/** A YAML document set as a user wrote it; `file` is only used to print positions. */
export const SourceText = z.object({ file: z.string(), text: z.string() });
export type SourceText = z.infer<typeof SourceText>;

export const SourceError = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  message: z.string(),
  path: z.string().optional(),
});
export type SourceError = z.infer<typeof SourceError>;

export const ApplyAction = z.enum(['created', 'configured', 'unchanged', 'deleted', 'not-found']);
export const ApplyResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** the policy revision the datapath enforces now that the change is in place */
    revision: z.number().int(),
    objects: z.array(ObjectRef.extend({ action: ApplyAction })),
  }),
  z.object({ ok: z.literal(false), errors: z.array(SourceError) }),
]);
export type ApplyResult = z.infer<typeof ApplyResult>;

export const ValidateResult = z.object({
  ok: z.boolean(),
  errors: z.array(SourceError),
  objects: z.array(ObjectRef),
});
export type ValidateResult = z.infer<typeof ValidateResult>;

export const EndpointState = z.enum(['creating', 'ready', 'failed', 'terminating']);

export const Endpoint = z.object({
  id: z.number().int(),
  namespace: z.string(),
  pod: z.string(),
  ip: z.string(),
  identity: z.number().int(),
  labels: z.array(z.string()),
  state: EndpointState,
  netns: z.string(),
  hostIfname: z.string(),
  ifindex: z.number().int(),
  enforcement: z.object({ ingress: z.boolean(), egress: z.boolean() }),
  workload: z.object({
    kind: z.enum(['builtin', 'command']),
    pid: z.number().int().optional(),
    running: z.boolean(),
    restarts: z.number().int(),
  }),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const Identity = z.object({
  id: z.number().int(),
  labels: z.array(z.string()),
  reserved: z.boolean(),
  endpoints: z.number().int(),
});
export type Identity = z.infer<typeof Identity>;

export const PolicySummary = z.object({
  kind: z.enum(POLICY_KINDS),
  namespace: z.string().optional(),
  name: z.string(),
  /** generation of the stored policy (bumped when its spec changes) */
  revision: z.number().int(),
  selectedEndpoints: z.number().int(),
  ingressRules: z.number().int(),
  egressRules: z.number().int(),
  createdAt: z.string(),
});
export type PolicySummary = z.infer<typeof PolicySummary>;

export const ServiceMapNode = z.object({
  /** "pod:NS/NAME", "identity:N" or "reserved:world" */
  id: z.string(),
  kind: z.enum(['pod', 'identity', 'reserved']),
  namespace: z.string().optional(),
  name: z.string(),
  identity: z.number().int(),
  labels: z.array(z.string()),
});
export type ServiceMapNode = z.infer<typeof ServiceMapNode>;

export const ServiceMapEdge = z.object({
  source: z.string(),
  target: z.string(),
  port: z.number().int(),
  protocol: z.string(),
  forwarded: z.number().int(),
  dropped: z.number().int(),
  /** flows per second over the window */
  rate: z.number(),
  lastSeen: z.string(),
  /** HTTP requests seen on this edge by the L7 proxy in the window, as "METHOD /path", sorted */
  http: z.array(z.string()).optional(),
});
export type ServiceMapEdge = z.infer<typeof ServiceMapEdge>;

export const ServiceMap = z.object({
  windowSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  nodes: z.array(ServiceMapNode),
  edges: z.array(ServiceMapEdge),
});
export type ServiceMap = z.infer<typeof ServiceMap>;

export const FlowStats = z.object({
  stored: z.number().int(),
  capacity: z.number().int(),
  seen: z.number().int(),
  /** records the datapath could not report (ring full, rate limit) plus flows evicted unseen */
  lost: z.number().int(),
  evicted: z.number().int(),
  byVerdict: z.record(z.string(), z.number().int()),
});

export const Status = z.object({
  ready: z.boolean(),
  node: z.string(),
  version: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  stateDir: z.string(),
  policyRevision: z.number().int(),
  endpoints: z.object({ total: z.number().int(), ready: z.number().int() }),
  identities: z.number().int(),
  policies: z.number().int(),
  flows: FlowStats,
  datapath: z.object({ pinRoot: z.string(), attached: z.boolean(), detail: z.string().optional() }),
  api: z.object({ address: z.string(), auth: z.string() }),
});
export type Status = z.infer<typeof Status>;

export const ProbeProtocol = z.enum(['TCP', 'UDP']);
export const ProbeRequest = z.object({
  from: z.string(), // NS/POD
  to: z.string(), // NS/POD or IP
  port: z.number().int().min(1).max(65535),
  protocol: ProbeProtocol,
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
});
export const ProbeResult = z.object({
  from: z.string(),
  to: z.string(),
  port: z.number().int(),
  protocol: ProbeProtocol,
  result: z.enum(['allowed', 'denied']),
  /** what the server answered, when it answered */
  reply: z.string().optional(),
  error: z.string().optional(),
  ms: z.number().optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const MatrixRequest = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: ProbeProtocol,
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  namespaces: z.array(z.string()).optional(),
});

export const PodLog = z.object({ namespace: z.string(), name: z.string(), text: z.string() });

export const VerdictCount = z.record(Verdict, z.number().int());
