import type { AgentPolicyOptions, RouterOutputs } from '@membrane/api';
import type { AgentStatus, ApplyResult, EndpointSummary, PolicySummary, Role, SourceError } from './agentApi';

// Compile-time check that the agent's router still returns what the relay reads (trpcAgent.ts
// calls it untyped). A change on the agent side that breaks the dashboard fails `tsc` here.

type Holds<T extends true> = T;
type Fits<A, B> = A extends B ? true : false;

export type AgentContractHolds = [
  Holds<Fits<RouterOutputs['whoami'], { role: Role }>>,
  Holds<Fits<RouterOutputs['status'], AgentStatus>>,
  Holds<Fits<RouterOutputs['endpoints']['list'][number], EndpointSummary>>,
  Holds<Fits<RouterOutputs['policies']['list'][number], PolicySummary>>,
  Holds<Fits<RouterOutputs['policies']['upsert'], ApplyResult>>,
  Holds<Fits<RouterOutputs['policies']['delete'], ApplyResult>>,
  Holds<Fits<RouterOutputs['objects']['list'][number], Record<string, unknown>>>,
  Holds<Fits<RouterOutputs['policies']['validate'], { ok: boolean; errors: SourceError[] }>>,
  Holds<Fits<RouterOutputs['policies']['options'], AgentPolicyOptions | null>>,
  Holds<Fits<RouterOutputs['flows']['list'][number], RouterOutputs['flows']['list'][number]>>,
];
