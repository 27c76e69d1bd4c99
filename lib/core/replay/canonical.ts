import { CanonicalEncodingError } from './errors.js';

/**
 * Canonical JSON: the one text a value encodes to, whatever order its keys were added in.
 * - object keys sorted by UTF-16 code unit (plain `<` comparison, locale independent)
 * - numbers: finite only, in JavaScript's shortest round-trip form; -0 becomes 0
 * - Dates: ISO-8601 UTC with milliseconds (`2026-01-02T03:04:05.000Z`)
 * - bigint: decimal string; undefined object members are left out (as JSON does)
 * - Map, Set, functions, symbols, NaN, Infinity and invalid dates are refused: a projection's
 *   canonical form must turn them into arrays/objects itself, so the encoding is never guessed.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalEncodingError(`${path}: ${value} has no canonical form`);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      return encodeObject(value, path);
    default:
      throw new CanonicalEncodingError(`${path}: a ${typeof value} has no canonical form`);
  }
}

function encodeObject(value: object | null, path: string): string {
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new CanonicalEncodingError(`${path}: invalid date`);
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw new CanonicalEncodingError(`${path}[${i}]: undefined in an array`);
      parts.push(canonicalJson(item, `${path}[${i}]`));
    }
    return `[${parts.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalEncodingError(
      `${path}: a ${value.constructor?.name ?? 'class instance'} has no canonical form (use plain objects/arrays)`,
    );
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareKeys);
  const parts: string[] = [];
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(member, `${path}.${key}`)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Locale-independent key order (UTF-16 code units), used for object members and state entries. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
