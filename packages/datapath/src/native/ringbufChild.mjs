// Child process for ringbuf.test.ts (plain JS for a fast start): starts a reader on the raw addon,
// receives records, then stops it, unrefs it, or exits while it runs. In the first two modes the
// process must end by itself.
import { createRequire } from 'node:module';

const [mode, objPath, addonPath] = process.argv.slice(2);
const native = createRequire(import.meta.url)(addonPath);
const obj = native.loadObject(objPath, {});
const u32 = (n) => Buffer.from(new Uint32Array([n]).buffer);
native.mapUpdate(obj.mapFd('t_cfg'), u32(0), Buffer.from(new BigUint64Array([1n]).buffer));
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
