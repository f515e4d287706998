// Codec and typed map for `proxy_cfg`: struct mb_proxy_config in bpf/lib/proxy.h (one array entry).
import type { RawMap, StructLayout } from '../maps/rawMap';

export const PROXY_CONFIG_MAP = 'proxy_cfg';

export const PROXY_CONFIG_LAYOUT = {
  size: 8,
  fields: {
    ifindex: [0, 4],
    flags: [4, 4],
  },
} as const satisfies StructLayout;

export interface ProxyConfig {
  /** the proxy device ingress redirects are hairpinned into; 0 = none (they drop) */
  ifindex: number;
}

export function encodeProxyConfig(c: ProxyConfig): Buffer {
  const b = Buffer.alloc(PROXY_CONFIG_LAYOUT.size);
  b.writeUInt32LE(c.ifindex, PROXY_CONFIG_LAYOUT.fields.ifindex[0]);
  return b;
}

export function decodeProxyConfig(b: Buffer): ProxyConfig {
  return { ifindex: b.readUInt32LE(PROXY_CONFIG_LAYOUT.fields.ifindex[0]) };
}

const ZERO_KEY = Buffer.alloc(4);

export class ProxyConfigMap {
  constructor(private readonly raw: RawMap) {}

  get(): ProxyConfig {
    const v = this.raw.lookup(ZERO_KEY);
    return v ? decodeProxyConfig(v) : { ifindex: 0 };
  }

  set(c: ProxyConfig): void {
    this.raw.update(ZERO_KEY, encodeProxyConfig(c));
  }
}
