// Compile-time proof that what the schemas produce is what the rest of the code consumes
// (types.ts and coreTypes.ts). `npm run typecheck` fails if they drift apart.

import type { z } from 'zod';
import type { CiliumClusterwideNetworkPolicy, CiliumNetworkPolicy, NetworkPolicy } from '../types';
import type { ciliumClusterwideNetworkPolicySchema, ciliumNetworkPolicySchema } from './ciliumRule';
import type { namespaceSchema, podSchema, serviceSchema } from './core';
import type { Namespace, Pod, Service } from './coreTypes';
import type { networkPolicySchema } from './networkPolicy';

type Assignable<From, To> = [From] extends [To] ? true : false;
type Expect<T extends true> = T;

export type SchemaOutputsMatchContracts = [
  Expect<Assignable<z.output<typeof networkPolicySchema>, NetworkPolicy>>,
  Expect<Assignable<z.output<typeof ciliumNetworkPolicySchema>, CiliumNetworkPolicy>>,
  Expect<Assignable<z.output<typeof ciliumClusterwideNetworkPolicySchema>, CiliumClusterwideNetworkPolicy>>,
  Expect<Assignable<z.output<typeof namespaceSchema>, Namespace>>,
  Expect<Assignable<z.output<typeof podSchema>, Pod>>,
  Expect<Assignable<z.output<typeof serviceSchema>, Service>>,
];

/** And every object the contracts allow is accepted by the schemas' input shape. */
export type ContractsFitSchemaInputs = [
  Expect<Assignable<NetworkPolicy, z.input<typeof networkPolicySchema>>>,
  Expect<Assignable<CiliumNetworkPolicy, z.input<typeof ciliumNetworkPolicySchema>>>,
  Expect<Assignable<CiliumClusterwideNetworkPolicy, z.input<typeof ciliumClusterwideNetworkPolicySchema>>>,
  Expect<Assignable<Namespace, z.input<typeof namespaceSchema>>>,
  Expect<Assignable<Pod, z.input<typeof podSchema>>>,
  Expect<Assignable<Service, z.input<typeof serviceSchema>>>,
];

// The check itself bites: a mismatch is a compile error (tsc fails if this stops erroring).
// @ts-expect-error a NetworkPolicy is not a Service
export type AssignableRejectsMismatch = Expect<Assignable<z.output<typeof networkPolicySchema>, Service>>;
