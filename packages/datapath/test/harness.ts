// Shared set-up of the kernel tests: a TestNetwork (pods in their own netns, unique names), a
// Datapath pinned under the network's own pin root, and every pod attached as an endpoint with
// its identity in the ipcache. teardown() always runs (afterAll), even after failures.
import type { PolicyEntry } from '@membrane/policy';
import { Datapath } from '../src/datapath';
import type { DatapathConfig } from '../src/maps/config';
import type { DatapathPolicyEntry } from '../src/maps/policyKeys';
import { TestNetwork, type TestPod } from '../src/testing';

export interface Harness {
  net: TestNetwork;
  dp: Datapath;
  /** endpoint id of a pod: index + 1 */
  epId(pod: TestPod): number;
  /** identity of a pod: 1000 + index */
  identity(pod: TestPod): number;
  /** set a pod's enforcement and policy entries in one go */
  setPolicy(pod: TestPod, p: { ingress?: boolean; egress?: boolean; entries?: DatapathPolicyEntry[] }): void;
  teardown(): Promise<void>;
}

export function entry(p: Partial<PolicyEntry> & { proxyPort?: number }): DatapathPolicyEntry {
  return { direction: 'ingress', identity: 0, protocol: 6, port: 0, endPort: 0, action: 'allow', ...p };
}

export async function createHarness(
  opts: { pods?: number; worldIps?: number; config?: Partial<DatapathConfig> } = {},
): Promise<Harness> {
  const net = await TestNetwork.create({ pods: opts.pods ?? 3, worldIps: opts.worldIps ?? 0 });
  let dp: Datapath | null = null;
  const teardown = async () => {
    try {
      dp?.destroy();
    } finally {
      await net.destroy();
    }
  };
  try {
    dp = Datapath.open({
      pinRoot: net.pinRoot,
      // lets a developer try a rebuilt object without replacing the one other runs use
      ...(process.env.MEMBRANE_TEST_BPF_OBJECT ? { objectPath: process.env.MEMBRANE_TEST_BPF_OBJECT } : {}),
      config: { alwaysWakeup: true, ...opts.config },
    });
    const h: Harness = {
      net,
      dp,
      epId: (pod) => pod.index + 1,
      identity: (pod) => 1000 + pod.index,
      setPolicy(pod, p) {
        h.dp.replaceEndpointPolicy({
          endpointId: h.epId(pod),
          identity: h.identity(pod),
          enforceIngress: p.ingress ?? false,
          enforceEgress: p.egress ?? false,
          entries: p.entries ?? [],
        });
      },
      teardown,
    };
    for (const pod of net.pods) {
      dp.ipcache.upsert(`${pod.ip}/32`, h.identity(pod));
      dp.attachEndpoint({
        endpointId: h.epId(pod),
        ifindex: pod.hostIfindex,
        hostIfname: pod.hostIfname,
        identity: h.identity(pod),
        enforceIngress: false,
        enforceEgress: false,
        ip: pod.ip,
      });
    }
    return h;
  } catch (e) {
    await teardown();
    throw e;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() is true or the time is up (bounded). */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/** Timeout for probes expected to succeed: generous, since the machine may be busy. */
export const ALLOW_MS = 3000;
