import { describe, expect, it } from 'vitest';
import type { DesiredFrontend } from './model';
import { diffServices } from './serviceDiff';

function fe(address: string, backends: string[], affinity?: number): DesiredFrontend {
  return {
    service: { namespace: 'default', name: address },
    frontend: { address, port: 80, protocol: 'TCP', kind: 'ClusterIP' },
    backends: backends.map((a) => ({ address: a, port: 8080, weight: 1, state: 'active' as const })),
    backendPods: {},
    options: { algorithm: 'random', ...(affinity ? { affinityTimeoutSec: affinity } : {}) },
  };
}

describe('diffServices', () => {
  it('writes nothing when the datapath already holds the desired state (re-adoption)', () => {
    const desired = [fe('10.96.0.1', ['10.200.0.1', '10.200.0.2'])];
    const held = [{ ...desired[0]!, backends: [...desired[0]!.backends].reverse() }];
    expect(diffServices(desired, held)).toEqual({ upserts: [], deletes: [] });
  });

  it('upserts new and changed frontends and deletes those no longer wanted', () => {
    const held = [fe('10.96.0.1', ['10.200.0.1']), fe('10.96.0.2', ['10.200.0.2']), fe('10.96.0.3', ['x'])];
    const desired = [
      fe('10.96.0.1', ['10.200.0.1']),
      fe('10.96.0.2', ['10.200.0.9']),
      fe('10.96.0.4', ['y']),
    ];
    const d = diffServices(desired, held);
    expect(d.upserts.map((u) => u.frontend.address)).toEqual(['10.96.0.2', '10.96.0.4']);
    expect(d.deletes.map((f) => f.address)).toEqual(['10.96.0.3']);
  });

  it('notices option and state changes', () => {
    const held = [fe('10.96.0.1', ['a'])];
    expect(diffServices([fe('10.96.0.1', ['a'], 60)], held).upserts).toHaveLength(1);
    const terminating = fe('10.96.0.1', ['a']);
    terminating.backends[0]!.state = 'terminating';
    expect(diffServices([terminating], held).upserts).toHaveLength(1);
  });

  it('lets the first service keep a frontend two services claim', () => {
    const a = fe('10.96.0.1', ['a']);
    const b = { ...fe('10.96.0.1', ['b']), service: { namespace: 'default', name: 'other' } };
    const d = diffServices([a, b], []);
    expect(d.upserts).toEqual([a]);
  });
});
