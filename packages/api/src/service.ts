import type { z } from 'zod';
import type { FlowFilter } from './filter';
import type { Flow } from './flow';
import type { AgentPolicyOptions } from './policyOptions';
import type {
  ApplyResult,
  Endpoint,
  Identity,
  KubeObject,
  MatrixRequest,
  ObjectKind,
  ObjectRef,
  PodLog,
  PolicySummary,
  ProbeRequest,
  ProbeResult,
  ServiceMap,
  SourceText,
  Status,
  ValidateResult,
} from './schemas';
import type { ServiceFrontendStatus } from './serviceStatus';

// What the router needs from whoever serves it. The agent implements this; the router only
// checks inputs, enforces roles and shapes subscriptions. Nothing here does I/O by itself.

export type Role = 'admin' | 'read-only';

export interface FlowQuery {
  /** at most this many of the newest matching flows */
  last?: number;
  /** only flows at or after this time (RFC 3339) */
  since?: string;
  /** only flows with a larger id */
  afterId?: number;
  /** only flows matching this filter (`last` then counts matching flows) */
  filter?: FlowFilter;
}

export interface FlowSource {
  /** stored flows, oldest first */
  list(query: FlowQuery): Flow[];
  /** stored flows newer than `id`, and how many newer ones were already evicted */
  after(id: number): { flows: Flow[]; missed: number };
  /** live batches as they are enriched; returns an unsubscribe function */
  listen(listener: (batch: readonly Flow[]) => void): () => void;
}

export interface DeleteRequest {
  sources?: SourceText[];
  refs?: ObjectRef[];
  all?: { kind: ObjectKind; namespace?: string; allNamespaces?: boolean };
}

export interface AgentService {
  status(): Status;
  flows: FlowSource;
  serviceMap(windowSeconds: number, namespace?: string): ServiceMap;
  endpoints(namespace?: string): Endpoint[];
  identities(): Identity[];
  policies(namespace?: string): PolicySummary[];
  /** what the policy engine judges with besides policies and endpoints (optional: older agents lack it) */
  policyOptions?(): AgentPolicyOptions;
  /** service frontends and backends as the datapath holds them (optional: older agents lack it) */
  services?(namespace?: string): ServiceFrontendStatus[];
  getObject(ref: ObjectRef): KubeObject | undefined;
  listObjects(kind: ObjectKind, namespace?: string): KubeObject[];
  validate(sources: SourceText[]): ValidateResult;
  /** resolves once the datapath enforces the resulting state */
  apply(sources: SourceText[]): Promise<ApplyResult>;
  delete(request: DeleteRequest): Promise<ApplyResult>;
  probe(request: z.output<typeof ProbeRequest>): Promise<ProbeResult>;
  matrix(request: z.output<typeof MatrixRequest>): Promise<ProbeResult[]>;
  podLog(namespace: string, name: string, tailBytes?: number): z.infer<typeof PodLog>;
}
