import type { Flow } from '@membrane/api';

// A connection between two pods of a node is observed twice: leaving the source (its egress
// policy: FORWARDED) and arriving at the destination (its ingress policy: FORWARDED or
// DROPPED). The first is only "on its way"; counting it as an outcome would paint every denied
// pod-to-pod edge as mixed forever. Drops at the source, replies and flows to anything that is
// not a local endpoint (world, other nodes' pods seen from here) are outcomes as they are.

/** A forward at the source's egress toward a local endpoint that judges the flow again on ingress. */
export function isTransitForward(flow: Flow): boolean {
  return (
    flow.verdict === 'FORWARDED' &&
    flow.traffic_direction === 'EGRESS' &&
    !flow.is_reply &&
    flow.Type !== 'L7' &&
    (flow.destination.ID ?? 0) > 0
  );
}
