import { z } from 'zod';

// A flow as the agent reports it. Field names follow Hubble's JSON (observer.Flow) so that
// scripts written for `hubble observe -o json` work on `membrane observe -o json`.

export const Verdict = z.enum(['FORWARDED', 'DROPPED', 'AUDIT', 'REDIRECTED', 'ERROR']);
export type Verdict = z.infer<typeof Verdict>;

export const FlowType = z.enum(['L3_L4', 'L7', 'SOCK']);
export type FlowType = z.infer<typeof FlowType>;

export const TrafficDirection = z.enum(['INGRESS', 'EGRESS', 'TRAFFIC_DIRECTION_UNKNOWN']);
export type TrafficDirection = z.infer<typeof TrafficDirection>;

export const Workload = z.object({ name: z.string(), kind: z.string() });

export const FlowEndpoint = z.object({
  ID: z.number().int().optional(), // endpoint id, local pods only
  identity: z.number().int(),
  namespace: z.string().optional(),
  labels: z.array(z.string()), // "k8s:app=web", "reserved:world"
  pod_name: z.string().optional(),
  workloads: z.array(Workload).optional(),
});
export type FlowEndpoint = z.infer<typeof FlowEndpoint>;

export const TcpFlags = z.object({
  FIN: z.boolean().optional(),
  SYN: z.boolean().optional(),
  RST: z.boolean().optional(),
  PSH: z.boolean().optional(),
  ACK: z.boolean().optional(),
  URG: z.boolean().optional(),
});

const Ports = { source_port: z.number().int(), destination_port: z.number().int() };
export const Layer4 = z.union([
  z.object({ TCP: z.object({ ...Ports, flags: TcpFlags.optional() }) }),
  z.object({ UDP: z.object(Ports) }),
  z.object({ SCTP: z.object(Ports) }),
  z.object({ ICMPv4: z.object({ type: z.number().int(), code: z.number().int() }) }),
]);
export type Layer4 = z.infer<typeof Layer4>;

export const HttpHeader = z.object({ key: z.string(), value: z.string() });
export const Layer7 = z.object({
  type: z.enum(['REQUEST', 'RESPONSE', 'SAMPLE']),
  latency_ns: z.number().int().optional(),
  http: z
    .object({
      code: z.number().int().optional(),
      method: z.string(),
      url: z.string(),
      protocol: z.string(),
      headers: z.array(HttpHeader).optional(),
    })
    .optional(),
});
export type Layer7 = z.infer<typeof Layer7>;

export const ServiceRef = z.object({ name: z.string(), namespace: z.string() });

/** The policy rule that decided a flow (Hubble's *_allowed_by / *_denied_by). */
export const PolicyRef = z.object({
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  ruleIndex: z.number().int().optional(),
  revision: z.number().int().optional(),
});

export const Flow = z.object({
  /** agent-local monotonically increasing id; clients resume subscriptions from it */
  id: z.number().int(),
  time: z.string(), // RFC 3339 with nanoseconds
  uuid: z.string().optional(),
  verdict: Verdict,
  drop_reason: z.number().int().optional(),
  drop_reason_desc: z.string().optional(), // "POLICY_DENIED", "CT_NO_MAP_FOUND", ...
  IP: z.object({
    source: z.string(),
    destination: z.string(),
    ipVersion: z.enum(['IPv4', 'IPv6']),
  }),
  l4: Layer4.optional(),
  l7: Layer7.optional(),
  source: FlowEndpoint,
  destination: FlowEndpoint,
  Type: FlowType,
  node_name: z.string(),
  traffic_direction: TrafficDirection,
  is_reply: z.boolean(),
  Summary: z.string(),
  source_service: ServiceRef.optional(),
  destination_service: ServiceRef.optional(),
  /** bytes seen for the packet that produced the event */
  bytes: z.number().int().optional(),
  /** how many similar events were aggregated into this one by the datapath (>= 1) */
  count: z.number().int().optional(),
  process: z.object({ pid: z.number().int(), comm: z.string() }).optional(),
  ingress_allowed_by: z.array(PolicyRef).optional(),
  egress_allowed_by: z.array(PolicyRef).optional(),
  ingress_denied_by: z.array(PolicyRef).optional(),
  egress_denied_by: z.array(PolicyRef).optional(),
});
export type Flow = z.infer<typeof Flow>;
