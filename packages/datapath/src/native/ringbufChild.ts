/**
 * Child process for ringbuf.test.ts: starts a reader, receives records, then either stops it,
 * unrefs it, or exits while it runs. In the first two modes the process must end by itself.
 */
import { u32, u64 } from './fixture';
import { BpfObject } from './object';
import { RingBufReader } from './ringbuf';

const [mode, objPath] = process.argv.slice(2);
const obj = BpfObject.load(objPath!);
obj.map('t_cfg').update(u32(0), u64(1));
let got = 0;
const reader = new RingBufReader(obj.map('t_events'), {
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
}).start();
if (mode === 'unref') {
  reader.unref();
  process.on('exit', () => console.log('ok unref'));
}
obj.program('emit64').testRun(Buffer.alloc(64), 100);
