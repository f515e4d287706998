import { closeSync } from 'node:fs';
import type { Server } from 'node:net';
import type { DesiredState, Direction } from '@membrane/policy';
import type { DatapathPort } from '../datapath/port';
import type { L7Record } from '../flows/l7Record';
import type { Logger } from '../log';
import { JsonState } from '../state/jsonState';
import { installCpuProfileToggle } from './cpuProfile';
import { L7PolicyIndex } from './l7Policy';
import { L7Proxy } from './l7Proxy';
import type { ProxyKernel } from './proxyKernel';
import { type ProxyPorts, proxyPortsDatapath, redirectResync } from './proxyPorts';

// L7 in the agent: opens the transparent listeners before the first policy write (so redirect
// entries carry real ports), keeps the ports across restarts (entries already in the kernel stay
// valid; if a port cannot be had again the redirect entries are rewritten), and runs the proxy
// against the policy the reconciler enforces now. While the agent is down nothing listens, and
// the datapath drops redirected connections (fail closed).

export interface AgentL7Options {
  /** where the listener ports are remembered */
  stateFile: string;
  kernel: ProxyKernel;
  /** ports to ask for on first start (0 or absent: any free port) */
  ports?: ProxyPorts;
  state(): DesiredState;
  endpointOf(ip: string): number | undefined;
  onFlows(records: L7Record[]): void;
  log: Logger;
}

const DIRECTIONS: Direction[] = ['ingress', 'egress'];

export class AgentL7 {
  private readonly saved: JsonState<ProxyPorts>;
  private proxy: L7Proxy | null = null;
  private current: ProxyPorts = {};
  private index: { state: DesiredState; index: L7PolicyIndex } | null = null;

  constructor(private readonly opts: AgentL7Options) {
    this.saved = new JsonState<ProxyPorts>(opts.stateFile, {});
  }

  get ports(): ProxyPorts {
    return this.current;
  }

  /** the datapath the reconciler should write through */
  wrap(dp: DatapathPort | null): DatapathPort | null {
    return dp && proxyPortsDatapath(dp, () => this.current);
  }

  /** Sets up routing and listeners; on failure the agent runs on and redirects fail closed. */
  async open(): Promise<boolean> {
    const { kernel, log } = this.opts;
    const fds = new Map<Direction, number>();
    try {
      kernel.attach();
      for (const d of DIRECTIONS) {
        const want = this.saved.value[d] ?? this.opts.ports?.[d] ?? 0;
        let l: { fd: number; port: number };
        try {
          l = kernel.listen(want);
        } catch (e) {
          if (want === 0) throw e;
          log.warn('proxy port taken; choosing another (redirect entries are rewritten)', {
            direction: d,
            port: want,
          });
          l = kernel.listen(0);
        }
        fds.set(d, l.fd);
        this.current[d] = l.port;
      }
    } catch (e) {
      log.error('L7 proxy unavailable: redirected connections will be dropped', { error: e as Error });
      for (const fd of fds.values()) closeSync(fd);
      this.current = {};
      return false;
    }
    this.saved.save({ ...this.current });
    this.proxy = new L7Proxy({
      ports: this.current,
      listen: (server: Server, _port, direction) =>
        new Promise<void>((res, rej) => server.once('error', rej).listen({ fd: fds.get(direction) }, res)),
      connectUpstream: (t, identity, direction) => kernel.connectUpstream(t, identity, direction),
      policy: () => this.policyIndex(),
      onFlows: this.opts.onFlows,
      log,
    });
    await this.proxy.start();
    // here, not at process start: an inspector opened before the BPF load breaks it
    installCpuProfileToggle(process.env.MEMBRANE_CPU_PROFILE, log);
    return true;
  }

  /** Writes every redirect entry with the current ports (idempotent: unchanged keys are not rewritten). */
  async resync(dp: DatapathPort | null, state: DesiredState): Promise<void> {
    if (!dp || !this.proxy) return;
    const diff = redirectResync(state, this.current);
    if (diff.endpoints.length > 0) await dp.apply(diff, state);
  }

  async stop(): Promise<void> {
    await this.proxy?.stop();
    this.proxy = null;
  }

  private policyIndex(): L7PolicyIndex {
    const state = this.opts.state();
    if (this.index?.state !== state) {
      this.index = { state, index: new L7PolicyIndex(state, (ip) => this.opts.endpointOf(ip)) };
    }
    return this.index.index;
  }
}
