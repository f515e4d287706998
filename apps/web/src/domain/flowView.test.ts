import { describe, expect, it } from 'vitest';
import { FlowBuffer } from './flowBuffer';
import { makeFlow } from './flowFixture';
import { FlowView } from './flowView';

const flow = (verdict: 'FORWARDED' | 'DROPPED') => makeFlow({ from: 'a/x', to: 'a/y', verdict });

describe('FlowView', () => {
  it('matches a full filter of the buffer after any sequence of pushes and evictions', () => {
    const buffer = new FlowBuffer(50);
    const pred = (f: { verdict: string }) => f.verdict === 'DROPPED';
    const view = new FlowView(pred);
    for (let round = 0; round < 40; round++) {
      buffer.push(
        Array.from({ length: (round * 7) % 13 }, (_, i) =>
          flow((round + i) % 3 === 0 ? 'DROPPED' : 'FORWARDED'),
        ),
      );
      view.sync(buffer);
      expect(view.toArray()).toEqual(buffer.filter(pred));
    }
  });

  it('looks only at new flows on each sync', () => {
    const buffer = new FlowBuffer(100_000);
    let calls = 0;
    const view = new FlowView(() => {
      calls++;
      return true;
    });
    buffer.push(Array.from({ length: 1000 }, () => flow('FORWARDED')));
    view.sync(buffer);
    buffer.push([flow('DROPPED')]);
    calls = 0;
    expect(view.sync(buffer)).toBe(1);
    expect(calls).toBe(1);
    expect(view.at(view.length - 1)!.verdict).toBe('DROPPED');
  });

  it('starts over when the buffer is cleared', () => {
    const buffer = new FlowBuffer(10);
    const view = new FlowView(() => true);
    buffer.push([flow('FORWARDED'), flow('FORWARDED')]);
    view.sync(buffer);
    buffer.clear();
    buffer.push([flow('DROPPED'), flow('DROPPED'), flow('DROPPED')]);
    view.sync(buffer);
    expect(view.toArray().map((f) => f.verdict)).toEqual(['DROPPED', 'DROPPED', 'DROPPED']);
  });
});
