// A growable byte buffer for writing JSON text from prepared fragments: numbers are written as
// digits directly, fragments are copied bytes, so encoding a flow makes no strings at all.

const MIN_SIZE = 64 * 1024;

export class JsonBytes {
  buf: Buffer;
  off = 0;

  constructor(size = MIN_SIZE) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** room for `n` more bytes */
  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(grown, 0, 0, this.off);
    this.buf = grown;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let off = this.off;
    if (n > 48) buf.set(b, off);
    else for (let i = 0; i < n; i++) buf[off + i] = b[i]!;
    off += n;
    this.off = off;
  }

  /** a string as UTF-8 */
  text(s: string): void {
    this.ensure(Buffer.byteLength(s));
    this.off += this.buf.write(s, this.off);
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.off++] = c;
  }

  /** a non-negative integer below 2^53 */
  uint(n: number): void {
    this.ensure(16);
    const buf = this.buf;
    if (n < 10) {
      buf[this.off++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let v = n; v >= 1; v = Math.floor(v / 10)) digits++;
    let end = this.off + digits;
    this.off = end;
    let v = n;
    while (digits-- > 0) {
      const q = Math.floor(v / 10);
      buf[--end] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** an integer of magnitude below 2^53 */
  int(n: number): void {
    if (n < 0) {
      this.byte(45); // -
      this.uint(-n);
    } else this.uint(n);
  }

  /** `n` as exactly `width` digits, zero-padded (n < 10^width) */
  fixed(n: number, width: number): void {
    this.ensure(width);
    const buf = this.buf;
    let end = this.off + width;
    this.off = end;
    let v = n;
    for (let i = 0; i < width; i++) {
      const q = Math.floor(v / 10);
      buf[--end] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** Takes what was written (a copy, so this writer can be reused) and resets. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.off));
    this.off = 0;
    return out;
  }
}

const encoder = new TextEncoder();
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
