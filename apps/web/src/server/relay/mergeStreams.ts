/**
 * Merges async iterables into one, yielding values as any source produces them. Ends when all
 * sources end; the first error is rethrown. Callers stop blocked sources through their own abort signal.
 */
export async function* mergeStreams<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) =>
    pending.set(
      i,
      iterators[i]!.next().then((r) => ({ i, r })),
    );
  for (let i = 0; i < iterators.length; i++) pull(i);
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    // Not awaited: a source blocked in next() finishes its return only once its own signal aborts.
    for (const it of iterators) it.return?.().catch(() => undefined);
  }
}
