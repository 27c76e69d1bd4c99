/**
 * A Bloom filter over strings (double hashing of two 32-bit FNV-1a variants). Fixed memory: it
 * answers "maybe seen" or "certainly not seen".
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;

  constructor(
    bitCount: number,
    private readonly hashes = 7,
  ) {
    this.size = Math.max(64, Math.ceil(bitCount / 32) * 32);
    this.bits = new Uint32Array(this.size / 32);
  }

  /** Sized for `expected` items at about 16 bits each (false-positive rate near 0.05%). */
  static forExpected(expected: number): BloomFilter {
    return new BloomFilter(Math.min(2 ** 31, Math.max(2 ** 20, expected * 16)));
  }

  get bytes(): number {
    return this.bits.byteLength;
  }

  /** Adds `key`; returns true when it may have been added before. */
  add(key: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h2 |= 1;
    let seen = true;
    for (let k = 0; k < this.hashes; k++) {
      const bit = ((h1 + Math.imul(k, h2)) >>> 0) % this.size;
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((this.bits[word]! & mask) === 0) {
        seen = false;
        this.bits[word]! |= mask;
      }
    }
    return seen;
  }
}

export interface DuplicateId {
  msgId: string;
  seqs: number[];
}

/**
 * Duplicate Nats-Msg-Id detection in memory that does not grow with the window: the first pass
 * feeds every id through a Bloom filter and keeps only the ids it may have seen before
 * (candidates: true duplicates plus rare false positives); a second pass over the same window
 * counts exactly how often each candidate occurs and where.
 */
export class DuplicateScan {
  private readonly bloom: BloomFilter;
  private readonly candidates = new Set<string>();
  private readonly occurrences = new Map<string, number[]>();
  withoutId = 0;

  constructor(expectedEvents: number) {
    this.bloom = BloomFilter.forExpected(expectedEvents);
  }

  /** First pass. */
  screen(msgId: string | undefined): void {
    if (msgId === undefined || msgId === '') {
      this.withoutId++;
      return;
    }
    if (this.bloom.add(msgId)) this.candidates.add(msgId);
  }

  get candidateCount(): number {
    return this.candidates.size;
  }

  /** Second pass: record where each candidate occurs. */
  confirm(msgId: string | undefined, seq: number): void {
    if (msgId === undefined || !this.candidates.has(msgId)) return;
    const seqs = this.occurrences.get(msgId);
    if (seqs) seqs.push(seq);
    else this.occurrences.set(msgId, [seq]);
  }

  /** The ids that occur more than once, with their sequences. */
  duplicates(): DuplicateId[] {
    const found: DuplicateId[] = [];
    for (const [msgId, seqs] of this.occurrences) if (seqs.length > 1) found.push({ msgId, seqs });
    return found.sort((a, b) => a.seqs[0]! - b.seqs[0]!);
  }
}

/** How many messages are redundant copies (an id seen n times counts n - 1). */
export function extraCopies(duplicates: readonly DuplicateId[]): number {
  return duplicates.reduce((sum, d) => sum + d.seqs.length - 1, 0);
}
