// The text/event-stream wire format, parsed without I/O so every SSE reader in the project (the
// CLI's client, the dashboard's relay) shares one implementation.

export interface SseMessage {
  type: string;
  data: string;
  lastEventId: string;
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
