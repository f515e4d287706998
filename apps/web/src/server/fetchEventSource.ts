// A minimal EventSource for Node that can send headers (the agent wants `Authorization: Bearer`,
// which the standard EventSource cannot send). It does not reconnect by itself: when the stream
// ends or fails it closes and reports an error, and the relay resumes from the last flow id.

export interface FetchEventSourceInit {
  headers?: Record<string, string>;
}

export interface SseMessage {
  type: string;
  data: string;
  lastEventId: string;
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

/**
 * Incremental text/event-stream parser (WHATWG rules for data, event and id fields). A line may
 * span many chunks (a batch of flows is one `data:` line of megabytes): its pieces are kept and
 * joined once, and each chunk is scanned once, so parsing stays linear in the bytes received.
 */
export class SseParser {
  private partial: string[] = [];
  /** the previous chunk ended in CR: a LF opening this one belongs to it */
  private skipLf = false;
  private data: string[] = [];
  private type = '';
  private lastEventId = '';

  constructor(private readonly onMessage: (m: SseMessage) => void) {}

  push(text: string): void {
    let start = 0;
    if (this.skipLf && text.startsWith('\n')) start = 1;
    this.skipLf = false;
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    for (;;) {
      if (lf >= 0 && lf < start) lf = text.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = text.indexOf('\r', start);
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (end < 0) break;
      let line = text.slice(start, end);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = this.partial.join('');
        this.partial = [];
      }
      start = end + 1;
      if (end === cr) {
        if (end + 1 < text.length) {
          if (text.charCodeAt(end + 1) === 10) start++;
        } else this.skipLf = true;
      }
      this.line(line);
    }
    if (start < text.length) this.partial.push(text.slice(start));
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        this.onMessage({
          type: this.type || 'message',
          data: this.data.join('\n'),
          lastEventId: this.lastEventId,
        });
      }
      this.data = [];
      this.type = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.type = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
  }
}
