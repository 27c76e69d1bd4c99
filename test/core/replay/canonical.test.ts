import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../lib/core/replay/canonical.js';
import { digestEntries } from '../../../lib/core/replay/digest.js';
import { CanonicalEncodingError } from '../../../lib/core/replay/errors.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth, whatever the insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
    expect(canonicalJson({ a: { c: null, d: [1, 'x'] }, b: 1 })).toBe(
      canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } }),
    );
  });

  it('encodes dates as UTC ISO with milliseconds, -0 as 0 and bigint as a string', () => {
    expect(canonicalJson(new Date('2026-03-01T10:00:00+02:00'))).toBe('"2026-03-01T08:00:00.000Z"');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(canonicalJson(12345678901234567890n)).toBe('"12345678901234567890"');
  });

  it('leaves out undefined members', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a Map', new Map()],
    ['a Set', new Set([1])],
    ['an invalid date', new Date('nope')],
    ['a function', () => 1],
  ])('refuses %s, naming where it is', (_, value) => {
    expect(() => canonicalJson({ state: { x: value } })).toThrow(CanonicalEncodingError);
    expect(() => canonicalJson({ state: { x: value } })).toThrow(/\$\.state\.x/);
  });
});

describe('digestEntries', () => {
  it('does not depend on the order entries are produced in', () => {
    const a = digestEntries([
      ['k:2', { v: 2 }],
      ['k:1', { v: 1 }],
    ]);
    const b = digestEntries([
      ['k:1', { v: 1 }],
      ['k:2', { v: 2 }],
    ]);
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(a.entries).toBe(2);
  });

  it('changes when any value changes', () => {
    const a = digestEntries([['k', { at: new Date(0), n: 1 }]]);
    const b = digestEntries([['k', { at: new Date(1), n: 1 }]]);
    expect(a.digest).not.toBe(b.digest);
  });

  it('refuses duplicate keys', () => {
    expect(() =>
      digestEntries([
        ['k', 1],
        ['k', 2],
      ]),
    ).toThrow(/duplicate canonical key "k"/);
  });
});
