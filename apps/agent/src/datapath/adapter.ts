import {
  Datapath,
  DEFAULT_CONFIG,
  dropReasonName,
  type FlowRecord,
  listIpv4Addresses,
  monotonicToWallOffsetNs,
} from '@membrane/datapath';
import type { StateDiff } from '@membrane/policy';
import type { RawFlow } from '../flows/rawFlow';
import type { Logger } from '../log';
import { kernelProxy } from '../proxy/proxyKernel';
import { kernelServiceTable } from '../services/kernelServiceTable';
import type { DatapathPort, EndpointAttach } from './port';

// DatapathPort over @membrane/datapath: opening re-adopts pinned maps (so a restarted agent keeps
// the kernel's state), records become the agent's RawFlow values in one pass per batch.

const VERDICT: Record<number, RawFlow['verdict']> = { 1: 'FORWARDED', 2: 'DROPPED', 3: 'REDIRECTED' };

function ipOf(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** CLOCK_MONOTONIC → wall clock offset, split so no step needs more than 53 bits. */
export interface WallOffset {
  ms: number;
  subMsNs: number;
}

export function wallOffset(): WallOffset {
  const ns = monotonicToWallOffsetNs();
  return { ms: Number(ns / 1_000_000n), subMsNs: Number(ns % 1_000_000n) };
}

export function toRawFlow(r: FlowRecord, offset: WallOffset): RawFlow {
  const verdict = VERDICT[r.verdict] ?? 'FORWARDED';
  const monoMs = Math.floor(r.timestampNs / 1e6);
  const ns = r.timestampNs - monoMs * 1e6 + offset.subMsNs;
  const carry = Math.floor(ns / 1e6);
  const raw: RawFlow = {
    timeMs: monoMs + offset.ms + carry,
    timeNanos: ns - carry * 1e6,
    srcIp: ipOf(r.saddr),
    dstIp: ipOf(r.daddr),
    saddr: r.saddr,
    daddr: r.daddr,
    srcPort: r.sport,
    dstPort: r.dport,
    protocol: r.protocol,
    srcIdentity: r.srcIdentity,
    dstIdentity: r.dstIdentity,
    endpointId: r.endpointId,
    direction: r.direction === 0 ? 'ingress' : 'egress',
    verdict,
    bytes: r.bytes,
    tcpFlags: r.tcpFlags,
    isReply: r.isReply,
  };
  if (verdict === 'DROPPED') {
    raw.dropReason = r.reason;
    raw.dropReasonDesc = dropReasonName(r.reason);
  }
  return raw;
}

export async function openDatapath(opts: {
  pinRoot: string;
  log: Logger;
  /** flow events per second per CPU (the datapath's token bucket; 0: unlimited) */
  flowEventRate?: number;
}): Promise<DatapathPort> {
  const dp = Datapath.open({ pinRoot: opts.pinRoot });
  // set at every start, so a rate given once does not stay in the pinned config after a restart
  // without the flag
  dp.config.set({ eventsRate: opts.flowEventRate ?? DEFAULT_CONFIG.eventsRate, eventsBurst: 0 });
  opts.log.info('datapath open', {
    pinRoot: opts.pinRoot,
    adoptedEndpoints: dp.attachedEndpointIds().length,
  });
  let offset = wallOffset();
  const clockTimer = setInterval(() => {
    offset = wallOffset();
  }, 10_000);
  clockTimer.unref();
  let lossTimer: NodeJS.Timeout | undefined;

  return {
    pinRoot: opts.pinRoot,
    services: kernelServiceTable(dp.services),
    proxy: kernelProxy(dp, opts.pinRoot),
    async hostAddresses() {
      return (await listIpv4Addresses()).map((a) => a.address);
    },
    async attachEndpoint(ep: EndpointAttach) {
      const out = dp.attachEndpoint({
        endpointId: ep.endpointId,
        ifindex: ep.ifindex,
        hostIfname: ep.ifname,
        identity: ep.identity,
        enforceIngress: ep.enforceIngress,
        enforceEgress: ep.enforceEgress,
        ip: ep.ip,
      });
      opts.log.debug('endpoint attached', { endpointId: ep.endpointId, ...out });
    },
    async detachEndpoint(ep) {
      dp.detachEndpoint(ep.endpointId);
    },
    async apply(diff: StateDiff) {
      dp.applyState(diff);
    },
    startFlows(onBatch) {
      let reported = dp.counters.eventStats();
      dp.flows(
        (records) => {
          const raws = new Array<RawFlow>(records.length);
          for (let i = 0; i < records.length; i++) raws[i] = toRawFlow(records[i]!, offset);
          onBatch(raws, 0);
        },
        { onError: (e) => opts.log.error('flow reader error', { error: e as Error }) },
      );
      // Records the kernel could not put in the ring (full) or suppressed by its rate limit.
      lossTimer = setInterval(() => {
        const now = dp.counters.eventStats();
        const lost = now.lost - reported.lost + (now.suppressed - reported.suppressed);
        reported = now;
        if (lost > 0) onBatch([], lost);
      }, 1000);
      lossTimer.unref();
    },
    metrics() {
      const ev = dp.counters.eventStats();
      const fwd = dp.counters.total({ verdict: 'FORWARDED' });
      const drop = dp.counters.total({ verdict: 'DROPPED' });
      return {
        events_emitted: ev.emitted,
        events_suppressed: ev.suppressed,
        events_lost: ev.lost,
        packets_forwarded: fwd.packets,
        bytes_forwarded: fwd.bytes,
        packets_dropped: drop.packets,
        bytes_dropped: drop.bytes,
        endpoints_attached: dp.attachedEndpointIds().length,
      };
    },
    async close() {
      clearInterval(clockTimer);
      if (lossTimer) clearInterval(lossTimer);
      dp.close();
    },
  };
}
