import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { Logger } from '../log';

// On-demand CPU profiles of the running agent, for finding where the proxy spends its time.
// `node --cpu-prof` cannot be used: the inspector it starts before the program runs breaks the BPF
// loading, so the profiler is started in-process only after the datapath is open. With
// MEMBRANE_CPU_PROFILE=/path/prefix set, each SIGUSR2 toggles profiling: the first starts it, the
// second writes /path/prefix-N.cpuprofile (open it in Chrome DevTools or read it with
// bench/src/cpuProfileTop.ts). Without the variable nothing is installed.

export function installCpuProfileToggle(prefix: string | undefined, log: Logger): void {
  if (!prefix) return;
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  const post = (method: string) =>
    new Promise<unknown>((res, rej) => session.post(method, (err, out) => (err ? rej(err) : res(out))));
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!running) {
        running = true;
        await post('Profiler.enable');
        await post('Profiler.start');
        log.info('CPU profile started');
        return;
      }
      running = false;
      const out = (await post('Profiler.stop')) as { profile: unknown };
      const file = `${prefix}-${++n}.cpuprofile`;
      writeFileSync(file, JSON.stringify(out.profile));
      log.info('CPU profile written', { file });
    })().catch((e) => log.error('CPU profile failed', { error: e as Error }));
  });
  log.info('CPU profiling on SIGUSR2', { prefix });
}
