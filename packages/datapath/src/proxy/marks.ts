// skb->mark values shared with bpf/lib/proxy.h (keep in sync). L7 owns the nibble 0x00000F00 and
// the top 16 bits; the low byte is left to others.

export const PROXY_MARK_MASK = 0x0f00;
/** to the proxy: delivered locally by the policy rule; on the proxy device, port << 16 */
export const PROXY_MARK_TO_PROXY = 0x0a00;
/** upstream of the INGRESS proxy (transparent source: the datapath sees the original client) */
export const PROXY_MARK_FROM_INGRESS = 0x0b00;
/** upstream of the EGRESS proxy (node source): the original source identity in the top 16 bits */
export const PROXY_MARK_FROM_EGRESS = 0x0c00;

export const MAX_MARK_IDENTITY = 0xffff;

export function egressUpstreamMark(sourceIdentity: number): number {
  if (!Number.isInteger(sourceIdentity) || sourceIdentity < 0 || sourceIdentity > MAX_MARK_IDENTITY) {
    throw new RangeError(`source identity ${sourceIdentity} does not fit the 16 bits of the proxy mark`);
  }
  return (PROXY_MARK_FROM_EGRESS | (sourceIdentity << 16)) >>> 0;
}

export function toProxyMark(port: number): number {
  return (PROXY_MARK_TO_PROXY | (port << 16)) >>> 0;
}

export type DecodedProxyMark =
  | { kind: 'none' }
  | { kind: 'to-proxy'; port: number }
  | { kind: 'from-ingress-proxy' }
  | { kind: 'from-egress-proxy'; identity: number };

export function decodeProxyMark(mark: number): DecodedProxyMark {
  switch (mark & PROXY_MARK_MASK) {
    case PROXY_MARK_TO_PROXY:
      return { kind: 'to-proxy', port: mark >>> 16 };
    case PROXY_MARK_FROM_INGRESS:
      return { kind: 'from-ingress-proxy' };
    case PROXY_MARK_FROM_EGRESS:
      return { kind: 'from-egress-proxy', identity: mark >>> 16 };
    default:
      return { kind: 'none' };
  }
}
