import { createHash } from 'node:crypto';
import { canonicalJson, compareKeys } from './canonical.js';
import { CanonicalEncodingError } from './errors.js';

/** One entry of a projection's canonical form: a unique key and a canonically encodable value. */
export type CanonicalEntry = readonly [key: string, value: unknown];

/**
 * SHA-256 over the canonical form of a state, streamed: entries are sorted by key (only the keys
 * are held, so memory follows the state's size) and each is hashed as one line
 * `canonicalJson([key, value])\n`. The digest does not depend on the order entries are produced in.
 */
export function digestEntries(entries: Iterable<CanonicalEntry>): { digest: string; entries: number } {
  const byKey = new Map<string, unknown>();
  for (const [key, value] of entries) {
    if (byKey.has(key)) throw new CanonicalEncodingError(`duplicate canonical key "${key}"`);
    byKey.set(key, value);
  }
  const keys = [...byKey.keys()].sort(compareKeys);
  const hash = createHash('sha256');
  for (const key of keys) hash.update(`${canonicalJson([key, byKey.get(key)], key)}\n`);
  return { digest: hash.digest('hex'), entries: keys.length };
}

export const emptyDigest = createHash('sha256').digest('hex');

export function isDigest(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}
