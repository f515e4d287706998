/** A minimal Ethernet + IPv4 + UDP frame for BPF_PROG_TEST_RUN (checksums left zero: the programs do not verify them). */
export function udpFrame(src: string, dst: string, sport: number, dport: number, payload = 18): Buffer {
  const ip = (s: string) => s.split('.').map(Number);
  const b = Buffer.alloc(14 + 20 + 8 + payload);
  b.fill(0x02, 0, 6); // dst MAC (locally administered)
  b.fill(0x04, 6, 12); // src MAC
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45; // IPv4, IHL 5
  b.writeUInt16BE(20 + 8 + payload, 16);
  b[22] = 64; // TTL
  b[23] = 17; // UDP
  b.set(ip(src), 26);
  b.set(ip(dst), 30);
  b.writeUInt16BE(sport, 34);
  b.writeUInt16BE(dport, 36);
  b.writeUInt16BE(8 + payload, 38);
  return b;
}
