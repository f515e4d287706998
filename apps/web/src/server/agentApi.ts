import type { AgentPolicyOptions, CompactFlowBatch, Flow } from '@membrane/api';

// What the relay needs from one agent, whatever carries it (tRPC over HTTP in production). Keeping
// this narrow lets the relay's fan-in logic be tested without a kernel, and keeps the browser's
// types independent of the agent's internals.

export type Role = 'admin' | 'read-only';

export interface FlowBatch {
  flows: Flow[];
  /** flows the agent dropped for this subscriber before these (slow consumer) */
  missed: number;
  /**
   * The same flows as the agent sent them in the compact form, when every earlier message of
   * this agent stream was delivered too (so its dictionary is whole): the relay passes it on
   * instead of encoding again. A new stream starts with a message whose base is 0.
   */
  compact?: CompactFlowBatch;
}

export interface AgentStatus {
  node: string;
  ready: boolean;
  version: string;
  policyRevision: number;
  endpoints?: { total: number; ready: number };
  flows?: { stored: number; capacity: number; lost: number };
}

export interface EndpointSummary {
  id: number;
  namespace: string;
  pod: string;
  ip: string;
  identity: number;
  labels: string[];
  state: string;
}

export type PolicyKindName = 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

export interface PolicyRefInput {
  kind: PolicyKindName;
  namespace?: string;
  name: string;
}

export interface PolicySummary extends PolicyRefInput {
  revision: number;
  selectedEndpoints: number;
  ingressRules: number;
  egressRules: number;
  createdAt?: string;
}

export interface SourceError {
  file: string;
  line: number;
  column: number;
  message: string;
  path?: string;
}

export type ApplyResult =
  | {
      ok: true;
      revision: number;
      objects: { kind: string; namespace?: string; name: string; action: string }[];
    }
  | { ok: false; errors: SourceError[] };

export interface AgentApi {
  readonly url: string;
  whoami(): Promise<Role>;
  status(): Promise<AgentStatus>;
  recentFlows(last: number): Promise<Flow[]>;
  /** live batches after `afterId` (undefined: only new flows) until the signal aborts */
  liveFlows(afterId: number | undefined, signal: AbortSignal): AsyncIterable<FlowBatch>;
  endpoints(): Promise<EndpointSummary[]>;
  policies(): Promise<PolicySummary[]>;
  /** the stored object (as JSON) or null */
  getPolicy(ref: PolicyRefInput): Promise<Record<string, unknown> | null>;
  validate(file: string, text: string): Promise<{ ok: boolean; errors: SourceError[] }>;
  apply(file: string, text: string): Promise<ApplyResult>;
  deletePolicy(ref: PolicyRefInput): Promise<ApplyResult>;
  /** stored objects of one kind (Namespace, Pod, policies), as JSON */
  listObjects(kind: ObjectKindName): Promise<Record<string, unknown>[]>;
  /** what the agent's policy engine judges with besides policies and endpoints; null: not reported */
  policyOptions(): Promise<AgentPolicyOptions | null>;
}

export type ObjectKindName = 'Namespace' | 'Pod' | PolicyKindName;

export type AgentErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNREACHABLE'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'INTERNAL';

/** The one error the relay raises about agents: which agent, what kind of failure, in plain words. */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    readonly agentUrl: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

const TRPC_CODES: Record<string, AgentErrorCode> = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
};

/** Turns anything thrown while talking to an agent into an AgentError. */
export function toAgentError(err: unknown, agentUrl: string): AgentError {
  if (err instanceof AgentError) return err;
  const e = err as {
    message?: string;
    data?: { code?: string };
    cause?: { code?: string; message?: string };
  };
  const trpcCode = e?.data?.code;
  if (trpcCode && TRPC_CODES[trpcCode])
    return new AgentError(TRPC_CODES[trpcCode], agentUrl, e.message ?? trpcCode);
  const msg = e?.message ?? String(err);
  const cause = e?.cause?.code ?? '';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|fetch failed/i.test(`${cause} ${msg}`)) {
    return new AgentError('UNREACHABLE', agentUrl, `agent at ${agentUrl} is not reachable (${cause || msg})`);
  }
  return new AgentError('INTERNAL', agentUrl, msg);
}
