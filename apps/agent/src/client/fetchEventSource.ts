import { SseParser } from '@membrane/api';

// A minimal EventSource over fetch for Node 20 (which has none), with request headers so the
// bearer token travels in the Authorization header. Enough for tRPC's httpSubscriptionLink:
// named events, data, ids, open/error; reconnecting is left to tRPC.

type Listener = (event: { type: string; data?: string; lastEventId?: string }) => void;

export interface FetchEventSourceInit {
  headers?: Record<string, string>;
}

export class FetchEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly abort = new AbortController();

  constructor(
    readonly url: string,
    init: FetchEventSourceInit = {},
  ) {
    void this.run(init);
  }

  addEventListener(type: string, listener: Listener): void {
    const set = this.listeners.get(type) ?? new Set();
    this.listeners.set(type, set);
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = 2;
    this.abort.abort();
  }

  private emit(type: string, data?: string, lastEventId?: string): void {
    for (const l of this.listeners.get(type) ?? []) l({ type, data, lastEventId });
  }

  private async run(init: FetchEventSourceInit): Promise<void> {
    try {
      const res = await fetch(this.url, {
        headers: { accept: 'text/event-stream', ...init.headers },
        signal: this.abort.signal,
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.readyState = 1;
      this.emit('open');
      const parser = new SseParser((m) => this.emit(m.type, m.data, m.lastEventId || undefined));
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.push(decoder.decode(chunk, { stream: true }));
      }
      if (this.readyState !== 2) {
        this.readyState = 0;
        this.emit('error');
      }
    } catch {
      if (this.readyState !== 2) {
        this.readyState = 0;
        this.emit('error');
      }
    }
  }
}
