import { type SseMessage, SseParser } from '@membrane/api';

// A minimal EventSource for Node that can send headers (the agent wants `Authorization: Bearer`,
// which the standard EventSource cannot send). It does not reconnect by itself: when the stream
// ends or fails it closes and reports an error, and the relay resumes from the last flow id.

export interface FetchEventSourceInit {
  headers?: Record<string, string>;
}

type Listener = (event: SseMessage | { type: 'error' | 'open'; status?: number; message?: string }) => void;

export class FetchEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  readonly url: string;
  private listeners = new Map<string, Set<Listener>>();
  private abort = new AbortController();

  constructor(url: string, init?: FetchEventSourceInit) {
    this.url = url;
    void this.run(init?.headers ?? {});
  }

  addEventListener(type: string, listener: Listener): void {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    this.listeners.set(type, set);
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = this.CLOSED;
    this.abort.abort();
  }

  private emit(type: string, event: Parameters<Listener>[0]): void {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }

  private fail(status?: number, message?: string): void {
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSED;
    this.emit('error', { type: 'error', status, message });
  }

  private async run(headers: Record<string, string>): Promise<void> {
    try {
      const res = await fetch(this.url, {
        headers: { accept: 'text/event-stream', ...headers },
        signal: this.abort.signal,
      });
      if (!res.ok || !res.body) {
        this.fail(res.status, `HTTP ${res.status}`);
        return;
      }
      this.readyState = this.OPEN;
      this.emit('open', { type: 'open' });
      const parser = new SseParser((m) => this.emit(m.type, m));
      const decoder = new TextDecoder();
      for await (const chunk of res.body) parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
      this.fail(undefined, 'stream ended');
    } catch (err) {
      if (!this.abort.signal.aborted) this.fail(undefined, err instanceof Error ? err.message : String(err));
    }
  }
}
