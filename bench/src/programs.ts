// (b): the Membrane programs on both pods' host veths of each bpf variant pair, through the
// Datapath facade, with a private pin root. The destination (server) endpoint enforces ingress
// with N policy entries: the ones that allow the client's identity on the benchmark ports plus
// fillers for other identities and ports, so the LPM policy trie really holds N entries for it.
// The client endpoint is attached too (egress not enforced), so a transaction crosses four
// program runs: from_pod and to_pod on each side (replies admitted by conntrack).
import { Datapath, type DatapathPolicyEntry, type FlowRecord } from '@membrane/datapath';
import { probeTcp, type TestNetwork } from '@membrane/datapath/testing';
import { PROTO_TCP } from '@membrane/policy';
import type { Variant } from './variants';

export interface ProgramSetup {
  describe: string;
  /** Checks after the runs that the programs really decided the benchmark's traffic. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** N ingress entries for one endpoint; the allowing ones for `clientIdentity` are among them. */
export function policyEntries(
  n: number,
  clientIdentity: number,
  ports: readonly number[],
): DatapathPolicyEntry[] {
  const entries: DatapathPolicyEntry[] = ports.map((port) => ({
    direction: 'ingress',
    identity: clientIdentity,
    protocol: PROTO_TCP,
    port,
    endPort: port,
    action: 'allow',
  }));
  for (let k = 0; entries.length < n; k++) {
    const port = 1024 + (k % 50_000);
    entries.push({
      direction: 'ingress',
      identity: 50_000 + Math.floor(k / 4), // four ports per filler identity
      protocol: PROTO_TCP,
      port,
      endPort: port,
      action: 'allow',
    });
  }
  return entries;
}

export async function setUpPrograms(
  net: TestNetwork,
  variants: readonly Variant[],
  ports: readonly number[],
): Promise<ProgramSetup> {
  const dp = Datapath.open({ pinRoot: net.pinRoot });
  const serverEndpoints = new Map<number, Variant>();
  const seen = new Map<number, number>();
  let reader: ReturnType<Datapath['flows']> | null = null;
  try {
    // Flow records are read as the agent would; the count also proves the programs saw traffic.
    reader = dp.flows((records: FlowRecord[]) => {
      for (const r of records) seen.set(r.endpointId, (seen.get(r.endpointId) ?? 0) + 1);
    });
    variants.forEach((v, i) => {
      const entries = Number(/\d+$/.exec(v.key)?.[0]);
      const client = { endpointId: 100 + 2 * i, identity: 1000 + 2 * i };
      const server = { endpointId: 101 + 2 * i, identity: 1001 + 2 * i };
      dp.ipcache.upsert(`${v.client.ip}/32`, client.identity);
      dp.ipcache.upsert(`${v.server.ip}/32`, server.identity);
      dp.attachEndpoint({
        ...client,
        ifindex: v.client.hostIfindex,
        hostIfname: v.client.hostIfname,
        ip: v.client.ip,
        enforceIngress: false,
        enforceEgress: false,
      });
      dp.attachEndpoint({
        ...server,
        ifindex: v.server.hostIfindex,
        hostIfname: v.server.hostIfname,
        ip: v.server.ip,
        enforceIngress: true,
        enforceEgress: false,
      });
      dp.replaceEndpointPolicy({
        ...server,
        enforceIngress: true,
        enforceEgress: false,
        entries: policyEntries(entries, client.identity, ports),
      });
      serverEndpoints.set(server.endpointId, v);
    });
    // Enforcement is real: a port outside the policy is dropped (silence), not refused.
    for (const v of variants) {
      const verdict = await probeTcp(v.client, v.server, 9, 300);
      if (verdict !== 'denied') throw new Error(`${v.key}: port 9 should be denied, was ${verdict}`);
    }
  } catch (e) {
    reader?.stop();
    dp.destroy();
    throw e;
  }
  return {
    describe: `${variants.map((v) => v.key).join(', ')} (pin root ${net.pinRoot})`,
    async verify() {
      await new Promise((r) => setTimeout(r, 50));
      for (const [id, v] of serverEndpoints) {
        if (!seen.get(id)) throw new Error(`${v.key}: no flow records from endpoint ${id}`);
      }
      const dropped = dp.counters.total({ verdict: 'DROPPED' }).packets;
      const forwarded = dp.counters.total({ verdict: 'FORWARDED' }).packets;
      if (forwarded < 1000) throw new Error(`programs forwarded only ${forwarded} packets`);
      if (dropped === 0) throw new Error('the denied probes were not counted as drops');
    },
    async close() {
      reader?.stop();
      dp.destroy();
    },
  };
}
