'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { endpointsOf, FlowJudge, policiesOf } from '../domain/policyModel';
import { useTRPC } from './trpc';

/**
 * Policies, namespaces, pods, endpoints and policy options of every agent, refreshed every few
 * seconds.
 */
export function useCluster() {
  const trpc = useTRPC();
  return useQuery(
    trpc.policies.context.queryOptions(undefined, { refetchInterval: 10_000, staleTime: 5_000 }),
  );
}

/** A judge of flows under the policies now in force (undefined until the cluster is loaded). */
export function useLiveJudge(): FlowJudge | undefined {
  const cluster = useCluster();
  return useMemo(
    () =>
      cluster.data
        ? new FlowJudge(policiesOf(cluster.data.objects), endpointsOf(cluster.data), cluster.data.options)
        : undefined,
    [cluster.data],
  );
}
