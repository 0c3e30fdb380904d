import { randomBytes } from 'node:crypto';

/** Bits of one sketch: 256 bytes, counts up to a few thousand distinct ids within a few percent. */
export const SKETCH_BITS = 2_048;
const WORDS = SKETCH_BITS / 32;
/** The estimate once every bit is set (m ln m): the most a sketch can tell. */
export const SKETCH_MAX = Math.round(SKETCH_BITS * Math.log(SKETCH_BITS));

// keyed per process, so that no one can pick ids that collide on purpose
const SEED = randomBytes(4).readUInt32LE(0);

/** A 32-bit hash of `s`: FNV-1a from a per-process seed, then the murmur3 finalizer (linear time). */
export function hashId(s: string): number {
  let h = (0x811c9dc5 ^ SEED) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Ids counted exactly (by 32-bit hash) before the bitmap's estimate takes over. */
export const EXACT_IDS = 32;

/**
 * Distinct ids in fixed memory (384 bytes): the first EXACT_IDS by their 32-bit hashes, exactly
 * (the count a detector's thresholds usually need, and what sequential runs are checked against),
 * then linear counting over a bitmap: `add` says whether an id is new (a bit collision makes a new
 * id look known) and `estimate` is the maximum-likelihood count, -m ln(zero bits / m). A subject's
 * ids never sit in memory, only hashes under a per-process key.
 */
export class IdSketch {
  readonly #bits = new Uint32Array(WORDS);
  readonly #exact = new Uint32Array(EXACT_IDS);
  #n = 0;
  #set = 0;

  /** Add an id; true when it is new. */
  add(id: string): boolean {
    const h = hashId(id);
    if (this.#n < EXACT_IDS) {
      for (let i = 0; i < this.#n; i++) if (this.#exact[i] === h) return false;
      this.#exact[this.#n++] = h;
      this.#setBit(h);
      return true;
    }
    return this.#setBit(h);
  }

  #setBit(h: number): boolean {
    const b = h % SKETCH_BITS;
    const word = b >>> 5;
    const mask = 1 << (b & 31);
    const w = this.#bits[word]!;
    if ((w & mask) !== 0) return false;
    this.#bits[word] = w | mask;
    this.#set++;
    return true;
  }

  /** The number of distinct ids added since the last clear: exact up to EXACT_IDS, then estimated. */
  estimate(): number {
    if (this.#n < EXACT_IDS) return this.#n;
    if (this.#set >= SKETCH_BITS) return SKETCH_MAX;
    return Math.max(EXACT_IDS, Math.round(-SKETCH_BITS * Math.log(1 - this.#set / SKETCH_BITS)));
  }

  clear(): void {
    this.#bits.fill(0);
    this.#n = 0;
    this.#set = 0;
  }
}
