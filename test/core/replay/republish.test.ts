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
    const r = reconcileRepublication({ ...facts([['a', 30]]), publishedLive: new Set<string>() });
    expect(r).toMatchObject({ toRepublish: 3, alreadyPublished: 1, outsideWindow: [] });
    expect(r.check.outcome).toBe('passed');
    expect(r.check.detail).toContain(
      '1 already in ORDERS (up to sequence 50), 0 published live but no longer in the stream, 2 not yet',
    );
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

  it('fails naming the rows the live relay published that the stream no longer holds (retention)', () => {
    const r = reconcileRepublication({ ...facts([]), publishedLive: new Set(['a', 'b']) });
    expect(r.check.outcome).toBe('failed');
    expect(r.dropped).toEqual(['a', 'b']);
    expect(r.check.detail).toContain(
      '0 already in ORDERS (up to sequence 50), 2 published live but no longer in the stream, 1 not yet',
    );
    expect(r.check.detail).toContain(
      "dropped by the stream's retention, and would reach consumers twice: a, b",
    );
  });

  it('passes rows not in the stream that the live outbox has not published either', () => {
    const r = reconcileRepublication({ ...facts([]), publishedLive: new Set() });
    expect(r.check.outcome).toBe('passed');
    expect(r.check.detail).toContain('3 not yet');
  });

  it('is inconclusive when rows are not in the stream and the live outbox could not be read', () => {
    const r = reconcileRepublication({ ...facts([]), publishedLive: undefined });
    expect(r.check.outcome).toBe('inconclusive');
    expect(r.check.detail).toContain('the live outbox could not be read');
  });

  it('passes with nothing to republish', () => {
    const r = reconcileRepublication({ ...facts([]), count: 0, ids: [] });
    expect(r).toMatchObject({ toRepublish: 0, check: { outcome: 'passed' } });
  });
});
