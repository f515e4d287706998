import { type Prefix, parsePrefix, prefixContainsAddress } from '../net/cidr';
import type { RemoteView } from './remote';

/**
 * A parsed `cidr except …` peer. IPv4 prefixes also carry 32-bit base and mask numbers, so the
 * common IPv4 check needs no bigint arithmetic; IPv6 goes through the exact bigint path.
 */
export interface CidrBlock {
  cidr: Prefix | undefined;
  except: Prefix[];
  v4Base: number;
  v4Mask: number;
  /** base, mask pairs of the IPv4 excepts */
  exceptV4: number[];
}

function mask32(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function cidrBlock(cidr: string, except: string[]): CidrBlock {
  const c = parsePrefix(cidr);
  const ex = except.map(parsePrefix).filter((p): p is Prefix => p !== undefined);
  const exceptV4: number[] = [];
  for (const e of ex) if (!e.v6) exceptV4.push(Number(e.base), mask32(e.bits));
  return {
    cidr: c,
    except: ex,
    v4Base: c && !c.v6 ? Number(c.base) : -1,
    v4Mask: c && !c.v6 ? mask32(c.bits) : 0,
    exceptV4,
  };
}

/** Whether the remote's address is in the cidr and in none of its excepts. */
export function inCidrBlock(block: CidrBlock, remote: RemoteView): boolean {
  if (!block.cidr) return false;
  const v4 = remote.v4;
  if (v4 >= 0) {
    if (block.v4Base < 0 || (v4 & block.v4Mask) >>> 0 !== block.v4Base) return false;
    const ex = block.exceptV4;
    for (let i = 0; i < ex.length; i += 2) if ((v4 & (ex[i + 1] as number)) >>> 0 === ex[i]) return false;
    return true;
  }
  const a = remote.address;
  if (!a || !prefixContainsAddress(block.cidr, a)) return false;
  for (const e of block.except) if (prefixContainsAddress(e, a)) return false;
  return true;
}
