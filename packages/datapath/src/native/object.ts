/**
 * BpfObject: an ELF object loaded with libbpf. Maps declared with LIBBPF_PIN_BY_NAME are pinned
 * under `pinMapsDir` and reused from there when already pinned (how a restarted agent keeps its
 * state). The object owns its program and map fds: close() releases them; links and pins that
 * were made from them stay.
 */
import { mkdirSync } from 'node:fs';
import {
  type MapDesc,
  type NativeObjectHandle,
  native,
  type ProgramDesc,
  type TestRunResult,
} from './binding';
import { DatapathError, guard, toDatapathError } from './errors';
import { BpfMap } from './map';

export class BpfProgram {
  constructor(
    readonly fd: number,
    readonly name: string,
  ) {}

  info() {
    return guard(() => native().progInfo(this.fd));
  }

  /** BPF_PROG_TEST_RUN on the JS thread. */
  testRun(packet: Uint8Array, repeat = 1): TestRunResult {
    return guard(() => native().progTestRun(this.fd, packet, repeat));
  }

  /** BPF_PROG_TEST_RUN on the libuv thread pool: JS keeps running (e.g. to consume events). */
  async testRunAsync(packet: Uint8Array, repeat = 1): Promise<TestRunResult> {
    const pending = guard(() => native().progTestRunAsync(this.fd, packet, repeat));
    try {
      return await pending;
    } catch (e) {
      throw toDatapathError(e);
    }
  }
}

export interface LoadOptions {
  /** Directory for pinned maps (created if missing). */
  pinMapsDir?: string;
}

export class BpfObject {
  private handle: NativeObjectHandle | null;
  private readonly mapCache = new Map<string, BpfMap>();

  private constructor(
    handle: NativeObjectHandle,
    readonly path: string,
  ) {
    this.handle = handle;
  }

  static load(path: string, opts: LoadOptions = {}): BpfObject {
    if (opts.pinMapsDir) mkdirSync(opts.pinMapsDir, { recursive: true });
    const handle = guard(() => native().loadObject(path, { pinMapsDir: opts.pinMapsDir }));
    return new BpfObject(handle, path);
  }

  program(name: string): BpfProgram {
    const h = this.open();
    return new BpfProgram(
      guard(() => h.programFd(name)),
      name,
    );
  }

  /** The map's fd belongs to this object (closing the object closes it). */
  map(name: string): BpfMap {
    const h = this.open();
    let m = this.mapCache.get(name);
    if (!m) {
      const fd = guard(() => h.mapFd(name));
      m = new BpfMap(fd);
      this.mapCache.set(name, m);
    }
    return m;
  }

  programs(): ProgramDesc[] {
    const h = this.open();
    return guard(() => h.programs());
  }

  maps(): MapDesc[] {
    const h = this.open();
    return guard(() => h.maps());
  }

  get closed(): boolean {
    return this.handle === null;
  }

  close(): void {
    const h = this.handle;
    if (!h) return;
    this.handle = null;
    for (const m of this.mapCache.values()) m.close();
    this.mapCache.clear();
    guard(() => h.close());
  }

  private open(): NativeObjectHandle {
    if (!this.handle) throw new DatapathError('ERR_CLOSED', `object ${this.path} is closed`);
    return this.handle;
  }
}
