import type { DesiredState, Direction, StateDiff } from '@membrane/policy';
import type { DatapathPort } from '../datapath/port';

// Redirect entries reach the datapath with the port of the proxy listener for their direction
// (packages/datapath PolicyEntryWithProxy). The compiled state knows nothing of ports: they are
// the agent's, so they are added on the way down.

export type ProxyPorts = Partial<Record<Direction, number>>;

export function withProxyPorts(diff: StateDiff, ports: ProxyPorts): StateDiff {
  if (!diff.endpoints.some((ep) => ep.upsert.some((e) => e.action === 'redirect'))) return diff;
  return {
    ...diff,
    endpoints: diff.endpoints.map((ep) => ({
      ...ep,
      upsert: ep.upsert.map((e) =>
        e.action === 'redirect' ? { ...e, proxyPort: ports[e.direction] ?? 0 } : e,
      ),
    })),
  };
}

/** Every redirect entry of `state` as upserts: rewrites proxy ports after the listeners moved. */
export function redirectResync(state: DesiredState, ports: ProxyPorts): StateDiff {
  return withProxyPorts(
    {
      ipcacheUpsert: [],
      ipcacheDelete: [],
      prefixUpsert: [],
      prefixDelete: [],
      endpoints: state.endpoints
        .map((ep) => ({
          endpointId: ep.endpointId,
          upsert: ep.entries.filter((e) => e.action === 'redirect'),
          delete: [],
        }))
        .filter((ep) => ep.upsert.length > 0),
    },
    ports,
  );
}

/** The datapath as the policy reconciler sees it: redirect entries carry the current proxy ports. */
export function proxyPortsDatapath(dp: DatapathPort, ports: () => ProxyPorts): DatapathPort {
  return new Proxy(dp, {
    get(target, prop, receiver) {
      if (prop === 'apply') {
        return (diff: StateDiff, desired: DesiredState) =>
          target.apply(withProxyPorts(diff, ports()), desired);
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
