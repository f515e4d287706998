import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { apiVersionOf, collectionPath, type WatchedResource } from './resources';

// A small Kubernetes API server for tests, speaking the real list/watch wire protocol: JSON lists
// carrying metadata.resourceVersion (paged with limit/continue), `?watch=true|1&resourceVersion=N`
// answered with a chunked stream of newline-delimited {type, object} events (ADDED, MODIFIED,
// DELETED, BOOKMARK when allowWatchBookmarks=true, ERROR), and 410 Gone for a resourceVersion
// older than the compacted history — as an ERROR event on an open stream like the real server,
// or as an HTTP 410. Resource versions come from one counter, as etcd's revision does.

type Obj = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
};
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Collection {
  resource: WatchedResource;
  objects: Map<string, Obj>;
  log: { rv: number; type: EventType; object: Obj }[];
}

interface OpenWatch {
  collection: Collection;
  res: ServerResponse;
  fieldSelector?: string;
  bookmarks: boolean;
}

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
}

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly collections = new Map<string, Collection>();
  private readonly watches = new Set<OpenWatch>();
  private server: Server | undefined;
  /** every TCP connection, TLS or not, so close() never waits on a client's keep-alive */
  private readonly sockets = new Set<Socket>();
  private rv = 100;
  /** History before this revision is gone: watching from older answers 410. */
  private compactedRv = 0;
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  /** When false, changes are recorded but not pushed to open watches (a stalled connection). */
  deliver = true;
  /** Largest page the server returns whatever `limit` asks (real servers may return fewer). */
  pageCap = Number.POSITIVE_INFINITY;
  /** Answer stale watches with HTTP 410 instead of an ERROR event on a 200 stream. */
  goneAsHttpStatus = false;

  constructor(
    resources: readonly WatchedResource[],
    readonly token = 'test-token',
    /** serve HTTPS with this key and certificate (PEM) */
    private readonly tls?: { key: string; cert: string },
  ) {
    for (const r of resources)
      this.collections.set(collectionPath(r), { resource: r, objects: new Map(), log: [] });
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  async listen(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = this.tls ? createTlsServer(this.tls, handler) : createServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kubeConfig(url: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
      users: [{ name: 'agent', token: this.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'agent' }],
      currentContext: 'fake',
    });
    return kc;
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.res.destroy();
    this.watches.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  openWatches(): number {
    return this.watches.size;
  }

  /** The next `count` requests (list or watch) fail with `status`. */
  failNext(count: number, status = 500): void {
    this.failures = { count, status };
  }

  private coll(kind: string): Collection {
    for (const c of this.collections.values()) if (c.resource.kind === kind) return c;
    throw new Error(`fake API server does not serve ${kind}`);
  }

  private record(c: Collection, type: EventType, obj: Obj): Obj {
    const stored = structuredClone(obj);
    this.rv++;
    stored.metadata.resourceVersion = String(this.rv);
    c.log.push({ rv: this.rv, type, object: stored });
    for (const w of this.watches) if (w.collection === c && this.deliver) this.send(w, type, stored);
    return stored;
  }

  /** Creates or replaces an object (ADDED or MODIFIED), returning it with its new resourceVersion. */
  upsert(kind: string, obj: Obj): Obj {
    const c = this.coll(kind);
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const type = c.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const withUid = { ...obj, metadata: { uid: `uid-${key}`, ...obj.metadata } };
    const stored = this.record(c, type, withUid);
    c.objects.set(key, stored);
    return stored;
  }

  remove(kind: string, namespace: string | undefined, name: string): void {
    const c = this.coll(kind);
    const key = `${namespace ?? ''}/${name}`;
    const obj = c.objects.get(key);
    if (!obj) throw new Error(`no ${kind} ${key}`);
    c.objects.delete(key);
    this.record(c, 'DELETED', obj);
  }

  /** Forgets history up to now (etcd compaction): older resourceVersions get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    for (const c of this.collections.values()) c.log = [];
  }

  /** Sends a BOOKMARK carrying the current resourceVersion to every watch that asked for them. */
  bookmark(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      const { kind, apiVersion } = this.typeMeta(w.collection);
      this.write(w, {
        type: 'BOOKMARK',
        object: { kind, apiVersion, metadata: { resourceVersion: this.resourceVersion } },
      });
    }
  }

  /** Ends every open watch stream cleanly (as the server's watch timeout does). */
  endWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  private typeMeta(c: Collection) {
    return { kind: c.resource.kind, apiVersion: apiVersionOf(c.resource) };
  }

  private matches(obj: Obj, fieldSelector?: string): boolean {
    if (!fieldSelector) return true;
    return fieldSelector.split(',').every((term) => {
      const [field, value] = term.split('=');
      if (field !== 'spec.nodeName') throw new Error(`unsupported field selector ${field}`);
      return (obj.spec as { nodeName?: string } | undefined)?.nodeName === value;
    });
  }

  private write(w: OpenWatch, event: unknown): void {
    w.res.write(`${JSON.stringify(event)}\n`);
  }

  private send(w: OpenWatch, type: EventType, obj: Obj): void {
    if (!this.matches(obj, w.fieldSelector)) return;
    this.write(w, { type, object: { ...this.typeMeta(w.collection), ...obj } });
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const entry: RecordedRequest = { path: url.pathname, query, status: 200, at: Date.now() };
    this.requests.push(entry);
    const fail = (code: number, reason: string, message: string) => {
      entry.status = code;
      this.status(res, code, reason, message);
    };
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return fail(401, 'Unauthorized', 'Unauthorized');
    if (this.failures.count > 0) {
      this.failures.count--;
      return fail(this.failures.status, 'InternalError', 'injected failure');
    }
    const c = this.collections.get(url.pathname);
    if (!c || req.method !== 'GET') return fail(404, 'NotFound', `${req.method} ${url.pathname} not found`);
    if (query.watch === 'true' || query.watch === '1') return this.watch(c, query, res, fail);
    const all = [...c.objects.values()].filter((o) => this.matches(o, query.fieldSelector));
    all.sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );
    // A continue token pins the list to the revision its first page was taken at.
    let offset = 0;
    let listRv = this.rv;
    if (query.continue)
      [offset, listRv] = JSON.parse(Buffer.from(query.continue, 'base64url').toString()) as [number, number];
    if (listRv !== this.rv) return fail(410, 'Expired', 'the continue token has expired');
    const limit = Math.min(query.limit ? Number(query.limit) : Number.POSITIVE_INFINITY, this.pageCap);
    const page = all.slice(offset, offset + limit);
    const more = offset + page.length < all.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: `${c.resource.kind}List`,
        apiVersion: apiVersionOf(c.resource),
        metadata: {
          resourceVersion: String(listRv),
          ...(more
            ? { continue: Buffer.from(JSON.stringify([offset + page.length, listRv])).toString('base64url') }
            : {}),
        },
        // Like the real server, items in a list carry no kind/apiVersion.
        items: page,
      }),
    );
  }

  private watch(
    c: Collection,
    query: Record<string, string>,
    res: ServerResponse,
    fail: (code: number, reason: string, message: string) => void,
  ) {
    const from = Number(query.resourceVersion || this.rv);
    const gone = from < this.compactedRv;
    if (gone && this.goneAsHttpStatus)
      return fail(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: OpenWatch = {
      collection: c,
      res,
      bookmarks: query.allowWatchBookmarks === 'true',
      ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    };
    if (gone) {
      this.write(w, {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Expired',
          code: 410,
          message: `too old resource version: ${from} (${this.compactedRv})`,
        },
      });
      res.end();
      return;
    }
    for (const e of c.log) if (e.rv > from) this.send(w, e.type, e.object);
    this.watches.add(w);
    res.on('close', () => this.watches.delete(w));
  }
}
