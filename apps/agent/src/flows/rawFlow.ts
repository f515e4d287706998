// The agent's view of one datapath flow record before enrichment: logical values only, produced
// by the adapter over packages/datapath's decoded records (see datapath/adapter.ts).

export interface RawFlow {
  /** wall-clock time of the event: whole ms since the epoch, plus ns within that ms (0..999999) */
  timeMs: number;
  timeNanos?: number;
  srcIp: string;
  dstIp: string;
  /** the same addresses as unsigned 32-bit numbers when the producer has them (saves parsing) */
  saddr?: number;
  daddr?: number;
  srcPort: number;
  dstPort: number;
  protocol: number;
  srcIdentity: number;
  dstIdentity: number;
  endpointId: number;
  /** direction of the endpoint the event was seen at */
  direction: 'ingress' | 'egress';
  verdict: 'FORWARDED' | 'DROPPED' | 'REDIRECTED';
  dropReason?: number;
  dropReasonDesc?: string;
  bytes?: number;
  tcpFlags?: number;
  isReply: boolean;
  /** events aggregated into this one by the datapath */
  count?: number;
}
