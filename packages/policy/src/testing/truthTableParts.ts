// Building blocks of the truth tables: probe helpers and matrices several cases share.

import type { PolicyOptions } from '../model/options';
import type { L4Protocol, Policy } from '../types';

export interface TruthTableProbe {
  protocol: L4Protocol;
  port: number;
  /** ASCII matrix (see parseMatrix) */
  expect: string;
}

export interface TruthTableCase {
  name: string;
  policies: Policy[];
  options?: PolicyOptions;
  probes: TruthTableProbe[];
}

export const H = '    x/a x/b x/c y/a y/b y/c z/a z/b z/c';
export const m = (rows: string) => `${H}\n${rows}`;

export const ALL_OPEN = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`);

export const X_INGRESS_CLOSED = m(`
x/a  .   X   X   .   .   .   .   .   .
x/b  X   .   X   .   .   .   .   .   .
x/c  X   X   .   .   .   .   .   .   .
y/a  X   X   X   .   .   .   .   .   .
y/b  X   X   X   .   .   .   .   .   .
y/c  X   X   X   .   .   .   .   .   .
z/a  X   X   X   .   .   .   .   .   .
z/b  X   X   X   .   .   .   .   .   .
z/c  X   X   X   .   .   .   .   .   .`);

export const X_EGRESS_CLOSED = m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  X   .   X   X   X   X   X   X   X
x/c  X   X   .   X   X   X   X   X   X
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`);

/** only the x/a column is closed (apart from x/a itself) */
export const XA_INGRESS_CLOSED = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  X   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`);

export const XA_EGRESS_CLOSED = m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`);

export const XA_FROM_XB = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  X   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`);

export const XA_FROM_Y = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`);

export const ALL_CLOSED = m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  X   .   X   X   X   X   X   X   X
x/c  X   X   .   X   X   X   X   X   X
y/a  X   X   X   .   X   X   X   X   X
y/b  X   X   X   X   .   X   X   X   X
y/c  X   X   X   X   X   .   X   X   X
z/a  X   X   X   X   X   X   .   X   X
z/b  X   X   X   X   X   X   X   .   X
z/c  X   X   X   X   X   X   X   X   .`);

export const tcp80 = (expect: string): TruthTableProbe => ({ protocol: 'TCP', port: 80, expect });
export const tcp81 = (expect: string): TruthTableProbe => ({ protocol: 'TCP', port: 81, expect });
export const udp80 = (expect: string): TruthTableProbe => ({ protocol: 'UDP', port: 80, expect });
export const udp81 = (expect: string): TruthTableProbe => ({ protocol: 'UDP', port: 81, expect });

export const podA = { matchLabels: { pod: 'a' } };
export const nsIs = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });
