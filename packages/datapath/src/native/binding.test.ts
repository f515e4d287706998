import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { nativeCandidates } from './binding';
import { testObjectPath } from './fixture';
import { BpfObject } from './object';

const addonPath = nativeCandidates().find((p) => existsSync(p))!;

function runWorker(immediately: boolean): Promise<{ exitCode: number; got: number; programs: number }> {
  return new Promise((done, fail) => {
    const w = new Worker(resolve(import.meta.dirname, 'workerChild.mjs'), {
      workerData: { addonPath, objPath: testObjectPath() },
    });
    let got = 0;
    let programs = 0;
    let ending = false;
    w.on('message', (m: { got?: number; programs?: number }) => {
      if (m.got) got = m.got;
      if (m.programs) programs = m.programs;
      // Ending at once tears the worker down mid-stream; otherwise let batches keep flowing a while.
      if (got > 0 && !ending) {
        ending = true;
        setTimeout(() => void w.terminate(), immediately ? 0 : 200);
      }
    });
    w.on('error', fail);
    w.on('exit', (exitCode) => done({ exitCode, got, programs }));
  });
}

describe('addon in worker threads', () => {
  it('loads per thread and survives workers torn down with running readers', async () => {
    const results = await Promise.all([runWorker(true), runWorker(false), runWorker(true)]);
    for (const r of results) {
      expect(r.programs).toBe(4);
      expect(r.got).toBeGreaterThan(0);
    }
    // the main thread's instance is unaffected
    const o = BpfObject.load(testObjectPath());
    expect(o.programs().length).toBe(4);
    o.close();
  });
});
