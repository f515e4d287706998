import type { TestPod } from '@membrane/datapath/testing';

export type VariantKey = 'base' | 'bpf10' | 'bpf10000' | 'ipt100' | 'ipt10000' | 'iptct100' | 'iptct10000';

/** One client/server pod pair configured one way; every variant has its own pair so runs interleave freely. */
export interface Variant {
  key: VariantKey;
  label: string;
  /** Also measure throughput (the conntrack-shortcut iptables variants measure request/response only). */
  tput: boolean;
  client: TestPod;
  server: TestPod;
  /** Set when the variant could not be configured; it is then left out of the runs. */
  skipped?: string;
}

export const VARIANTS: ReadonlyArray<{ key: VariantKey; label: string; tput: boolean }> = [
  { key: 'base', label: '(a) no program', tput: true },
  { key: 'bpf10', label: '(b) membrane, 10 entries', tput: true },
  { key: 'bpf10000', label: '(b) membrane, 10,000 entries', tput: true },
  { key: 'ipt100', label: '(c) iptables, 100 rules', tput: true },
  { key: 'ipt10000', label: '(c) iptables, 10,000 rules', tput: true },
  { key: 'iptct100', label: '(c) iptables+conntrack, 100', tput: false },
  { key: 'iptct10000', label: '(c) iptables+conntrack, 10,000', tput: false },
];
