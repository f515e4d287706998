import { describe, expect, it } from 'vitest';
import { type SseMessage, SseParser } from './sseParser';

describe('SseParser', () => {
  it('parses events split across chunks, with ids, types and multi-line data', () => {
    const got: SseMessage[] = [];
    const p = new SseParser((m) => got.push(m));
    p.push(': comment\nevent: connected\ndata: {"a"');
    p.push(':1}\n\nid: 7\ndata: one\r\ndata: two\r\n\r\ndata: three\n\n');
    expect(got).toEqual([
      { type: 'connected', data: '{"a":1}', lastEventId: '' },
      { type: 'message', data: 'one\ntwo', lastEventId: '7' },
      { type: 'message', data: 'three', lastEventId: '7' },
    ]);
  });

  it('handles CR line ends split from their LF, lone CRs, and one line over many chunks', () => {
    const got: SseMessage[] = [];
    const p = new SseParser((m) => got.push(m));
    p.push('data: a\r');
    p.push('\n\r');
    p.push('\ndata: b\rdata: c\r\r');
    const big = 'x'.repeat(100_000);
    p.push('data: ');
    for (let i = 0; i < big.length; i += 4096) p.push(big.slice(i, i + 4096));
    p.push('\n\n');
    expect(got.map((m) => m.data)).toEqual(['a', 'b\nc', big]);
  });
});
