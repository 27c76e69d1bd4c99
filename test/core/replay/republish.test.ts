import { describe, expect, it } from 'vitest';
import { reconcileRepublication } from '../../../lib/core/replay/republish.js';

const now = Date.parse('2026-12-01T12:00:00Z');
const facts = (found: [string, number][]) => ({
  table: 'public.outbox',
  stream: 'ORDERS',
  count: 3,
  ids: ['a', 'b', 'c'],
  found: new Map(found.map(([id, agoSeconds], i) => [id, { seq: 10 + i, time: now - agoSeconds * 1000 }])),
  duplicateWindowSeconds: 120 as number | undefined,
  scannedTo: 50,
  now,
});

describe('reconcileRepublication', () => {
  it('passes when the duplicate window drops the re-publication of rows already published', () => {
    const r = reconcileRepublication(facts([['a', 30]]));
    expect(r).toMatchObject({ toRepublish: 3, alreadyPublished: 1, outsideWindow: [] });
    expect(r.check.outcome).toBe('passed');
    expect(r.check.detail).toContain('1 already in ORDERS (up to sequence 50), 2 not yet');
    expect(r.check.detail).toContain('duplicate window (120s)');
  });

  it('fails naming the rows published longer ago than the duplicate window (or with no window known)', () => {
    const r = reconcileRepublication(
      facts([
        ['a', 30],
        ['b', 600],
      ]),
    );
    expect(r.check.outcome).toBe('failed');
    expect(r.outsideWindow).toEqual(['b']);
    expect(r.check.detail).toContain('would reach consumers twice: b');
    const unknownWindow = { ...facts([['a', 1]]), duplicateWindowSeconds: undefined };
    expect(reconcileRepublication(unknownWindow).check.outcome).toBe('failed');
  });

  it('passes with nothing to republish', () => {
    const r = reconcileRepublication({ ...facts([]), count: 0, ids: [] });
    expect(r).toMatchObject({ toRepublish: 0, check: { outcome: 'passed' } });
  });
});
