import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@membrane/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore } from './objectStore';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'mbr-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ns = (name: string, v: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { v } },
});

describe('ObjectStore', () => {
  it('what was put is there after reopening; deletes stick too', () => {
    const dir = tempDir();
    const a = new ObjectStore(dir);
    a.put([ns('one', '1'), ns('two', '1')]);
    a.put([ns('one', '2')]);
    a.delete([{ kind: 'Namespace', name: 'two' }]);
    const b = new ObjectStore(dir);
    expect(b.list().map((o) => [o.metadata.name, o.metadata.labels?.v])).toEqual([['one', '2']]);
  });

  it('a torn temporary file from a crash is ignored and swept', () => {
    const dir = tempDir();
    new ObjectStore(dir).put([ns('one', '1')]);
    writeFileSync(join(dir, 'Namespace', '__one.json.tmp-999-abc'), '{"apiVersion":"v1","kin');
    const b = new ObjectStore(dir);
    expect(b.get({ kind: 'Namespace', name: 'one' })?.metadata.labels?.v).toBe('1');
    expect(readdirSync(join(dir, 'Namespace'))).toEqual(['__one.json']);
  });

  it('refuses names that could escape the directory', () => {
    const store = new ObjectStore(tempDir());
    expect(() => store.put([ns('../etc', '1')])).toThrow(/unsafe/);
  });

  it('kill -9 at any moment loses nothing that was acknowledged', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = tempDir();
      // A writer process acknowledges version N on stdout only after put() returned.
      const script = `
        const { ObjectStore } = await import(${JSON.stringify(new URL('./objectStore.ts', import.meta.url).href)});
        const store = new ObjectStore(${JSON.stringify(dir)});
        for (let v = 1; ; v++) {
          store.put([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' + (v % 7), labels: { v: String(v) } } }]);
          process.stdout.write('ack ' + v + '\\n');
        }`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let acked = 0;
      child.stdout.on('data', (d: Buffer) => {
        for (const m of d.toString().matchAll(/ack (\d+)/g)) acked = Math.max(acked, Number(m[1]));
      });
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (acked >= 20 + round * 13) {
            clearInterval(check);
            child.kill('SIGKILL');
            resolve();
          }
        }, 2);
      });
      await new Promise((r) => child.once('exit', r));
      const store = new ObjectStore(dir);
      // Every acknowledged version of every name is on disk (or a newer one).
      for (let v = Math.max(1, acked - 6); v <= acked; v++) {
        const got = Number(store.get({ kind: 'Namespace', name: `n${v % 7}` })?.metadata.labels?.v);
        expect(got).toBeGreaterThanOrEqual(v);
      }
    }
  });
});
