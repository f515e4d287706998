// Child process for ringbuf.test.ts (plain JS for a fast start): starts a reader on the raw addon,
// receives records, then stops it, unrefs it, or exits while it runs. In the first two modes the
// process must end by itself. Mode 'gc' drops readers in every state and forces finalizers.
import { createRequire } from 'node:module';

const [mode, objPath, addonPath] = process.argv.slice(2);
const native = createRequire(import.meta.url)(addonPath);
const obj = native.loadObject(objPath, {});
const u32 = (n) => Buffer.from(new Uint32Array([n]).buffer);
native.mapUpdate(obj.mapFd('t_cfg'), u32(0), Buffer.from(new BigUint64Array([1n]).buffer));
if (mode === 'gc') {
  for (let i = 0; i < 50; i++) {
    const r = new native.RingBufReader(obj.mapFd('t_events'), { onBatch() {} });
    if (i % 3 === 1) r.start();
    if (i % 3 === 1 && i % 2 === 0) r.stop();
    if (i % 3 === 2) {
      r.start();
      r.stop();
    }
  }
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc();
  console.log('ok gc');
  process.exit(0);
}
let got = 0;
const reader = new native.RingBufReader(obj.mapFd('t_events'), {
  onBatch(_b, count) {
    got += count;
    if (got < 100) return;
    if (mode === 'stop') {
      reader.stop();
      obj.close();
      console.log('ok stop');
    } else if (mode === 'exit') {
      console.log('ok exit');
      process.exit(0);
    }
  },
});
reader.start();
if (mode === 'unref') {
  reader.unref();
  process.on('exit', () => console.log('ok unref'));
}
native.progTestRun(obj.programFd('emit64'), Buffer.alloc(64), 100);
