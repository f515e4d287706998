// Every kind the parser accepts: its apiVersion, schema, and whether it lives in a namespace.

import type { z } from 'zod';
import type { CiliumClusterwideNetworkPolicy, CiliumNetworkPolicy, NetworkPolicy } from '../types';
import { ciliumClusterwideNetworkPolicySchema, ciliumNetworkPolicySchema } from './ciliumRule';
import { namespaceSchema, podSchema, serviceSchema } from './core';
import type { Namespace, Pod, Service } from './coreTypes';
import { networkPolicySchema } from './networkPolicy';

export const KIND_INFO = {
  NetworkPolicy: { apiVersion: 'networking.k8s.io/v1', namespaced: true, schema: networkPolicySchema },
  CiliumNetworkPolicy: { apiVersion: 'cilium.io/v2', namespaced: true, schema: ciliumNetworkPolicySchema },
  CiliumClusterwideNetworkPolicy: {
    apiVersion: 'cilium.io/v2',
    namespaced: false,
    schema: ciliumClusterwideNetworkPolicySchema,
  },
  Namespace: { apiVersion: 'v1', namespaced: false, schema: namespaceSchema },
  Pod: { apiVersion: 'v1', namespaced: true, schema: podSchema },
  Service: { apiVersion: 'v1', namespaced: true, schema: serviceSchema },
} as const satisfies Record<string, { apiVersion: string; namespaced: boolean; schema: z.ZodType }>;

export type SupportedKind = keyof typeof KIND_INFO;
export const SUPPORTED_KINDS = Object.keys(KIND_INFO) as SupportedKind[];

/** The object types the parser returns, by kind. */
export interface KindMap {
  NetworkPolicy: NetworkPolicy;
  CiliumNetworkPolicy: CiliumNetworkPolicy;
  CiliumClusterwideNetworkPolicy: CiliumClusterwideNetworkPolicy;
  Namespace: Namespace;
  Pod: Pod;
  Service: Service;
}

export type KubeObject = KindMap[SupportedKind];

export function isSupportedKind(kind: unknown): kind is SupportedKind {
  return typeof kind === 'string' && Object.hasOwn(KIND_INFO, kind);
}
