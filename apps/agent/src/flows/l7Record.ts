import type { PolicyRef } from '@membrane/api';
import type { z } from 'zod';

// What the L7 proxy hands the flow pipeline for each HTTP request or response it handled. Plain
// logical values; the pipeline turns them into Hubble-shaped flows with `Type: 'L7'`. A record and
// the arrays in it are not changed once handed over: the pipeline keeps references, not copies, and
// records of one connection share their `policy` (and a request and its response their headers).

export interface L7Http {
  method: string;
  /** full URL as Hubble prints it, e.g. "http://10.200.0.5:80/v1/request-landing" */
  url: string;
  /** "HTTP/1.1" */
  protocol: string;
  /** response status; absent on requests */
  code?: number;
  headers?: { key: string; value: string }[];
}

export interface L7Record {
  /** wall-clock time, whole ms since the epoch */
  timeMs: number;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  srcIdentity: number;
  dstIdentity: number;
  /** direction of the endpoint whose policy redirected the connection to the proxy */
  direction: 'ingress' | 'egress';
  endpointId: number;
  verdict: 'FORWARDED' | 'DROPPED';
  type: 'REQUEST' | 'RESPONSE';
  http: L7Http;
  /** responses: time since the request, in ns */
  latencyNs?: number;
  /** the rule(s) that allowed or denied the request */
  policy?: z.infer<typeof PolicyRef>[];
}
