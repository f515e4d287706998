/**
 * Test-only helpers for the addon's tests: compiles native/test/test_prog.c (when stale) and hands
 * out a unique pin root per test run. Not exported from the package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../native');

export function testObjectPath(): string {
  const src = resolve(nativeDir, 'test/test_prog.c');
  const out = resolve(nativeDir, 'test/build/test_prog.o');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('clang', [
      '-O2',
      '-g',
      '-target',
      'bpf',
      '-I/usr/include/x86_64-linux-gnu',
      '-c',
      src,
      '-o',
      tmp,
    ]);
    execFileSync('mv', ['-f', tmp, out]);
  }
  return out;
}

let counter = 0;

/** A fresh, unique bpffs directory (removed by the returned cleanup). */
export function tempPinRoot(): { dir: string; cleanup(): void } {
  const dir = `/sys/fs/bpf/membrane-test-addon-${process.pid}-${counter++}-${Math.random().toString(36).slice(2, 7)}`;
  mkdirSync(dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** LPM key as the test object declares it: { u32 prefixlen; u32 addr (network order) }. */
export function lpmKey(prefixlen: number, ip: string): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(prefixlen);
  const parts = ip.split('.').map(Number);
  for (let i = 0; i < 4; i++) b[4 + i] = parts[i] ?? 0;
  return b;
}
