import { z } from 'zod';

// Services as the datapath holds them (read back from the kernel's service maps), one entry per
// frontend: what `membrane get services` prints and the dashboard can show.

export const ServiceBackendStatus = z.object({
  address: z.string(),
  port: z.number().int(),
  /** relative share of new connections (0: none) */
  weight: z.number().int(),
  /** terminating: keeps its connections, gets no new ones */
  state: z.enum(['active', 'terminating']),
  /** the datapath's backend id */
  id: z.number().int().optional(),
  /** "NS/POD" behind the address, when known */
  pod: z.string().optional(),
});
export type ServiceBackendStatus = z.infer<typeof ServiceBackendStatus>;

export const ServiceFrontendStatus = z.object({
  /** the Service this frontend belongs to (absent: held by the datapath but no longer wanted) */
  namespace: z.string().optional(),
  name: z.string().optional(),
  portName: z.string().optional(),
  kind: z.enum(['ClusterIP', 'NodePort']),
  address: z.string(),
  port: z.number().int(),
  protocol: z.enum(['TCP', 'UDP']),
  /** rev-NAT index, stable for the frontend's lifetime */
  id: z.number().int(),
  /** bumps on every atomic backend-set update */
  revision: z.number().int(),
  algorithm: z.enum(['random', 'maglev']),
  affinityTimeoutSec: z.number().int().optional(),
  /** size of the selection table (0: every new connection is refused) */
  slots: z.number().int(),
  backends: z.array(ServiceBackendStatus),
  /** false when the agent runs without a datapath (nothing is balanced) */
  kernel: z.boolean(),
});
export type ServiceFrontendStatus = z.infer<typeof ServiceFrontendStatus>;
