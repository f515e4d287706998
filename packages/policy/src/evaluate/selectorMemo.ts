import type { CompiledSelector } from '../labels/selector';
import type { Universe } from '../model/universe';

/** Whether a selector selects one identity, given by its dense index (-1: unknown identity). */
export interface IdentityTest {
  has(index: number): boolean;
}

/** Above this many identities a bitset per selector costs too much memory; sets are used instead. */
const BITSET_LIMIT = 1 << 16;

/**
 * The identities a selector selects, as a bitset over dense identity indexes: a flow tests a
 * few dozen (selector, identity) pairs, and bitsets keep that working set small enough to stay
 * in cache (1,000 selectors x 1,000 identities is 125 kB).
 */
export class BitsetTest implements IdentityTest {
  readonly words: Uint32Array;
  constructor(size: number, members: number[]) {
    this.words = new Uint32Array((size + 31) >>> 5);
    for (let k = 0; k < members.length; k++) {
      const i = members[k] as number;
      this.words[i >>> 5] = (this.words[i >>> 5] as number) | (1 << (i & 31));
    }
  }
  has(i: number): boolean {
    return i >= 0 && (((this.words[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
  }
}

/**
 * Accumulates the identities that at least one added term selects (a term: a test, optionally
 * ANDed with a second one). `result` is undefined once a term is not a bitset.
 */
export class UnionOfTerms {
  private readonly out: BitsetTest;
  private exact = true;

  constructor(size: number) {
    this.out = new BitsetTest(size, []);
  }

  add(test: IdentityTest, and: IdentityTest | undefined): void {
    if (!(test instanceof BitsetTest) || (and !== undefined && !(and instanceof BitsetTest))) {
      this.exact = false;
      return;
    }
    const w = this.out.words;
    const a = test.words;
    const b = and?.words;
    for (let k = 0; k < w.length; k++)
      w[k] = (w[k] as number) | ((a[k] as number) & (b ? (b[k] as number) : 0xffffffff));
  }

  result(): IdentityTest | undefined {
    return this.exact ? this.out : undefined;
  }
}

class SetTest implements IdentityTest {
  constructor(private readonly members: Set<number>) {}
  has(i: number): boolean {
    return this.members.has(i);
  }
}

/**
 * Selector results per identity, computed once per selector text (selectors with the same text
 * select the same identities) with the universe's label index, and memoised as a membership test
 * over dense identity indexes. Selection by labels depends only on the identity, so this is
 * exactly `universe.selectIdentities(sel)` membership.
 */
export class SelectorMemo {
  /** dense index of each identity number */
  private readonly indexOf = new Map<number, number>();
  private readonly tests = new Map<string, IdentityTest>();

  constructor(
    private readonly universe: Universe,
    private readonly bitsetLimit = BITSET_LIMIT,
  ) {
    for (const id of universe.identities.keys()) this.indexOf.set(id, this.indexOf.size);
  }

  /** how many identities have a dense index */
  get size(): number {
    return this.indexOf.size;
  }

  /** The dense index of an identity, -1 when the universe does not know it (selects nothing). */
  index(identity: number): number {
    return this.indexOf.get(identity) ?? -1;
  }

  /** The membership test of a selector; selectors with the same text share one. */
  test(sel: CompiledSelector): IdentityTest {
    let t = this.tests.get(sel.text);
    if (!t) {
      const members = this.universe.selectIdentities(sel).map((info) => this.indexOf.get(info.id) as number);
      t =
        this.indexOf.size <= this.bitsetLimit
          ? new BitsetTest(this.indexOf.size, members)
          : new SetTest(new Set(members));
      this.tests.set(sel.text, t);
    }
    return t;
  }
}
