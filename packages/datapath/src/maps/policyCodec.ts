// Codec for struct mb_policy_key / mb_policy_value in bpf/lib/policy.h.

import type { PolicyKey, PolicyValue } from './policyKeys';
import type { StructLayout } from './rawMap';

export const POLICY_KEY_LAYOUT = {
  size: 16,
  fields: {
    prefixlen: [0, 4],
    endpoint_id: [4, 4],
    identity: [8, 4],
    direction: [12, 1],
    protocol: [13, 1],
    dport: [14, 2],
  },
} as const satisfies StructLayout;

export const POLICY_VALUE_LAYOUT = {
  size: 12,
  fields: {
    action: [0, 1],
    own_action: [1, 1],
    flags: [2, 1],
    proxy_port: [4, 2],
    port_lo: [6, 2],
    port_hi: [8, 2],
  },
} as const satisfies StructLayout;

export function encodePolicyKey(k: PolicyKey): Buffer {
  const b = Buffer.alloc(POLICY_KEY_LAYOUT.size);
  b.writeUInt32LE(k.prefixLen, 0);
  b.writeUInt32LE(k.endpointId >>> 0, 4);
  b.writeUInt32LE(k.identity >>> 0, 8);
  b.writeUInt8(k.direction, 12);
  b.writeUInt8(k.protocol, 13);
  b.writeUInt16BE(k.port, 14); // network order: the port is matched by prefix
  return b;
}

export function decodePolicyKey(b: Buffer): PolicyKey {
  return {
    prefixLen: b.readUInt32LE(0),
    endpointId: b.readUInt32LE(4),
    identity: b.readUInt32LE(8),
    direction: b.readUInt8(12),
    protocol: b.readUInt8(13),
    port: b.readUInt16BE(14),
  };
}

export function encodePolicyValue(v: PolicyValue): Buffer {
  const b = Buffer.alloc(POLICY_VALUE_LAYOUT.size);
  b.writeUInt8(v.action, 0);
  b.writeUInt8(v.ownAction, 1);
  b.writeUInt8(v.flags, 2);
  b.writeUInt16LE(v.proxyPort, 4);
  b.writeUInt16LE(v.portLo, 6);
  b.writeUInt16LE(v.portHi, 8);
  return b;
}

export function decodePolicyValue(b: Buffer): PolicyValue {
  return {
    action: b.readUInt8(0),
    ownAction: b.readUInt8(1),
    flags: b.readUInt8(2),
    proxyPort: b.readUInt16LE(4),
    portLo: b.readUInt16LE(6),
    portHi: b.readUInt16LE(8),
  };
}
