// Worker for binding.test.ts: loads the addon in a worker thread, starts a ring reader and leaves
// it running (or terminates mid-stream), so the worker's teardown must stop it cleanly.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const { addonPath, objPath } = workerData;
const native = createRequire(import.meta.url)(addonPath);
const obj = native.loadObject(objPath, {});
let got = 0;
const reader = new native.RingBufReader(obj.mapFd('t_events'), {
  onBatch(_b, count) {
    got += count;
    parentPort.postMessage({ got });
  },
});
reader.start();
native.mapUpdate(obj.mapFd('t_cfg'), Buffer.alloc(4), Buffer.from(new BigUint64Array([4n]).buffer));
native.progTestRun(obj.programFd('emit64'), Buffer.alloc(64), 1000);
parentPort.postMessage({ started: true, programs: obj.programs().length });
