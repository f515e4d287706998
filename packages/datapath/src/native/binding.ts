/**
 * The raw addon (packages/datapath/native, built to build/Release/membrane_native.node), typed.
 * Loaded lazily on first use so that importing the package never fails on a machine where the
 * addon is not built; `MEMBRANE_NATIVE_PATH` overrides the location (bundled deployments).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatapathError } from './errors';

export type Direction = 'ingress' | 'egress';

/** cgroup v2 sock_addr hooks used by socket-level service load balancing. */
export type CgroupHook = 'connect4' | 'sendmsg4' | 'recvmsg4' | 'getpeername4';

export interface MapInfo {
  type: number;
  keySize: number;
  /** Size of one value as declared in the map. */
  valueSize: number;
  /** Bytes a lookup returns: valueSize, or roundup(valueSize, 8) × possible CPUs for per-CPU maps. */
  valueSizeTotal: number;
  maxEntries: number;
  flags: number;
  name: string;
  id: number;
  percpu: boolean;
}

export interface ProgramDesc {
  name: string;
  section: string;
  fd: number;
  type: number;
}

export interface MapDesc {
  name: string;
  fd: number;
  type: number;
  pinPath: string | null;
  pinned: boolean;
}

export interface NativeObjectHandle {
  programFd(name: string): number;
  mapFd(name: string): number;
  programs(): ProgramDesc[];
  maps(): MapDesc[];
  close(): void;
}

export interface LookupBatchResult {
  /** count × keySize bytes */
  keys: Buffer;
  /** count × valueSizeTotal bytes */
  values: Buffer;
  count: number;
  /** false when the map type has no batch ops and the addon walked it element by element */
  batched: boolean;
}

export interface TestRunResult {
  retval: number;
  /** average per repetition, as the kernel reports it */
  durationNs: number;
  dataOut: Buffer;
}

export interface ClsactAttachment {
  handle: number;
  priority: number;
  progId: number;
}

export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
  /** tcx links only */
  ifindex?: number;
  attachType?: number;
  direction?: Direction;
}

export interface TcxQuery {
  /** programs attached to the hook, in run order */
  progIds: number[];
  linkIds: number[];
  /** bumped by the kernel on every change of the hook */
  revision: number;
  count: number;
}

export interface ProgInfo {
  id: number;
  type: number;
  name: string;
  tag: string;
}

export interface RingBufReaderOptions {
  /** Called on the JS thread with one buffer of `count` records (see ringbuf.ts for the layout). */
  onBatch(buf: Buffer, count: number): void;
  maxBatchRecords?: number;
  /** Upper bound of one batch in KiB (a single larger record still goes alone). Default 1024. */
  maxBatchKiB?: number;
  /** Pause after a non-empty drain that did not fill a batch, to coalesce wake-ups. Default 1. */
  pollIntervalMs?: number;
  /** Longest wait on an empty ring before looking again (BPF_RB_NO_WAKEUP producers). Default 8. */
  idleWaitMs?: number;
  /** Batches handed to JS but not yet processed; when reached, records stay in the ring. Default 4. */
  maxInFlight?: number;
}

export interface RingBufStats {
  records: number;
  batches: number;
  bytes: number;
  polls: number;
  wakeups: number;
  droppedAfterStop: number;
  ringSize: number;
  pendingBytes: number;
  running: boolean;
}

export interface NativeRingBufReader {
  start(): void;
  stop(): void;
  ref(): void;
  unref(): void;
  stats(): RingBufStats;
}

export interface NativeBinding {
  loadObject(path: string, opts?: { pinMapsDir?: string | undefined }): NativeObjectHandle;
  objGet(path: string): number;
  objPin(fd: number, path: string): void;
  closeFd(fd: number): void;

  mapInfo(fd: number): MapInfo;
  mapLookup(fd: number, key: Uint8Array): Buffer | null;
  mapUpdate(fd: number, key: Uint8Array, value: Uint8Array, flags?: number): void;
  mapDelete(fd: number, key: Uint8Array): boolean;
  mapNextKey(fd: number, key: Uint8Array | null): Buffer | null;
  mapLookupBatch(fd: number, batchSize?: number): LookupBatchResult;
  mapUpdateBatch(fd: number, keys: Uint8Array, values: Uint8Array, flags?: number): number;
  mapDeleteBatch(fd: number, keys: Uint8Array): number;
  numPossibleCpus(): number;

  attachTcx(progFd: number, ifindex: number, dir: Direction): number;
  tcxSupported(): boolean;
  attachClsact(
    progFd: number,
    ifindex: number,
    dir: Direction,
    opts?: { handle?: number; priority?: number },
  ): ClsactAttachment;
  detachClsact(ifindex: number, dir: Direction, opts?: { handle?: number; priority?: number }): boolean;
  linkUpdate(linkFd: number, progFd: number, oldProgFd?: number): void;
  linkDetach(linkFd: number): void;
  linkInfo(linkFd: number): LinkInfo;
  progInfo(progFd: number): ProgInfo;
  progFdById(id: number): number;
  tcxQuery(ifindex: number, dir: Direction): TcxQuery;
  ifIndex(ifname: string): number;
  attachCgroup(progFd: number, cgroupPath: string, hook: CgroupHook): number;

  progTestRun(progFd: number, packet: Uint8Array, repeat?: number): TestRunResult;
  progTestRunAsync(progFd: number, packet: Uint8Array, repeat?: number): Promise<TestRunResult>;

  RingBufReader: new (mapFd: number, opts: RingBufReaderOptions) => NativeRingBufReader;

  /** native/src/proxy_sock.c: sockets of the L7 proxy (see src/proxy/sockets.ts) */
  proxyListen(address: string, port: number, backlog: number): number;
  proxySocket(opts: {
    mark?: number;
    transparent?: boolean;
    bindAddress?: string;
    portLo?: number;
    portHi?: number;
  }): number;
  sockName(fd: number): { address: string; port: number };
}

const here = dirname(fileURLToPath(import.meta.url));

/** Where the addon is looked for, in order. */
export function nativeCandidates(): string[] {
  const list: string[] = [];
  const env = process.env.MEMBRANE_NATIVE_PATH;
  if (env) list.push(env);
  list.push(resolve(here, '../../native/build/Release/membrane_native.node'));
  return list;
}

let cached: NativeBinding | undefined;

export function native(): NativeBinding {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const tried = nativeCandidates();
  for (const path of tried) {
    if (!existsSync(path)) continue;
    cached = require(path) as NativeBinding;
    return cached;
  }
  throw new DatapathError(
    'ERR_NATIVE_MISSING',
    `membrane_native.node not found (tried ${tried.join(', ')}); run \`npm run build -w @membrane/datapath\``,
  );
}
