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
      const decoder = new TextDecoder();
      // A line may span many chunks (a batch of flows is one `data:` line of megabytes): the
      // pieces are kept and joined once, so parsing stays linear in the bytes received.
      const partial: string[] = [];
      let event = { type: 'message', data: [] as string[], id: undefined as string | undefined };
      const onLine = (line: string) => {
        if (line === '') {
          if (event.data.length > 0) this.emit(event.type, event.data.join('\n'), event.id);
          event = { type: 'message', data: [], id: undefined };
          return;
        }
        if (line.startsWith(':')) return;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') event.data.push(value);
        else if (field === 'event') event.type = value;
        else if (field === 'id') event.id = value;
      };
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        let start = 0;
        let nl = text.indexOf('\n');
        while (nl >= 0) {
          let line = text.slice(start, nl);
          if (partial.length > 0) {
            partial.push(line);
            line = partial.join('');
            partial.length = 0;
          }
          onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
          start = nl + 1;
          nl = text.indexOf('\n', start);
        }
        if (start < text.length) partial.push(text.slice(start));
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
