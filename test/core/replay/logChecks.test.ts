import { describe, expect, it } from 'vitest';
import { InputError } from '../../../lib/core/errors.js';
import { checkNames, duplicatesCheck, gapsCheck, schemasCheck } from '../../../lib/core/replay/checks.js';
import { DuplicateScan } from '../../../lib/core/replay/duplicates.js';
import { classifyGaps, GapTracker } from '../../../lib/core/replay/gaps.js';
import { ProjectionFold } from '../../../lib/core/replay/runner.js';
import { pinWindow } from '../../../lib/core/replay/window.js';
import { type ContactsState, contactsProjection } from '../../../lib/projections/contacts.js';

const encode = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('GapTracker and classifyGaps', () => {
  it('reports interior and trailing gaps and classifies them with the stream facts', () => {
    const t = new GapTracker(1, 12);
    for (const seq of [1, 2, 5, 6, 9, 10]) t.see(seq);
    const ranges = t.finish();
    expect(ranges).toEqual([
      [3, 4],
      [7, 8],
      [11, 12],
    ]);
    const gaps = classifyGaps(ranges, { firstSeq: 1, deleted: new Set([3, 4, 7]) });
    expect(gaps).toEqual([
      { from: 3, to: 4, cause: 'deleted' },
      { from: 7, to: 7, cause: 'deleted' },
      { from: 8, to: 8, cause: 'missing' },
      { from: 11, to: 12, cause: 'missing' },
    ]);
    const check = gapsCheck(gaps);
    expect(check.outcome).toBe('failed');
    expect(check.detail).toContain('3-4 (deleted)');
  });

  it('calls a gap below the first sequence purged, and a complete window clean', () => {
    const t = new GapTracker(1, 5);
    for (const seq of [4, 5]) t.see(seq);
    expect(classifyGaps(t.finish(), { firstSeq: 4, deleted: new Set() })).toEqual([
      { from: 1, to: 3, cause: 'purged' },
    ]);
    const clean = new GapTracker(3, 5);
    for (const seq of [3, 4, 5]) clean.see(seq);
    expect(gapsCheck(classifyGaps(clean.finish(), { firstSeq: 1, deleted: new Set() })).outcome).toBe(
      'passed',
    );
  });
});

describe('DuplicateScan', () => {
  it('finds every repeated id with its sequences over two passes', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `evt-${i}`);
    ids.splice(100, 0, 'evt-7');
    ids.push('evt-4000', 'evt-7');
    const scan = new DuplicateScan(ids.length);
    for (const id of ids) scan.screen(id);
    scan.screen(undefined);
    ids.forEach((id, i) => {
      scan.confirm(id, i + 1);
    });
    expect(scan.duplicates()).toEqual([
      { msgId: 'evt-7', seqs: [8, 101, 5003] },
      { msgId: 'evt-4000', seqs: [4002, 5002] },
    ]);
    expect(scan.withoutId).toBe(1);
    const check = duplicatesCheck(scan.duplicates(), scan.withoutId);
    expect(check.name).toBe(checkNames.duplicates);
    expect(check.outcome).toBe('failed');
    expect(check.detail).toContain('3 extra');
  });

  it('keeps only a few candidates for distinct ids', () => {
    const scan = new DuplicateScan(100_000);
    for (let i = 0; i < 100_000; i++) scan.screen(`evt-${i}`);
    expect(scan.candidateCount).toBeLessThan(100);
  });
});

describe('ProjectionFold', () => {
  it('counts and lists bad events by sequence without stopping the fold', () => {
    const fold = new ProjectionFold<ContactsState>(contactsProjection);
    const created = {
      type: 'ContactCreated',
      id: 'e1',
      contactId: 'c1',
      name: 'Ada',
      email: 'ada@example.com',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const events = [
      created,
      '{not json',
      { id: 'e3' },
      { type: 'ContactTeleported', id: 'e4', contactId: 'c1' },
      { type: 'ContactEmailChanged', id: 'e5', contactId: 'c1', email: 'not-an-email' },
      { type: 'ContactRenamed', id: 'e6', contactId: 'c404', name: 'Nobody' },
      { type: 'ContactRenamed', id: 'e7', contactId: 'c1', name: 'Ada L.' },
    ];
    events.forEach((e, i) => {
      fold.push({ seq: i + 1, subject: 's', msgId: `m${i}`, data: encode(e) });
    });
    expect(fold.violations.map((v) => [v.seq, v.kind])).toEqual([
      [2, 'not-json'],
      [3, 'no-type'],
      [4, 'unknown-type'],
      [5, 'schema'],
      [6, 'apply'],
    ]);
    expect(fold.applied).toBe(2);
    expect(fold.state.get('c1')?.name).toBe('Ada L.');
    const check = schemasCheck(fold.violationCount, fold.violations, fold.events);
    expect(check.outcome).toBe('failed');
    expect(check.detail).toContain('seq 5 schema ContactEmailChanged: email');
  });
});

describe('pinWindow', () => {
  it('defaults to 1..checkpoint, else 1..last sequence', () => {
    expect(pinWindow({}, { lastSeq: 50 }, 40)).toEqual({ fromSeq: 1, toSeq: 40 });
    expect(pinWindow({}, { lastSeq: 50 }, null)).toEqual({ fromSeq: 1, toSeq: 50 });
    expect(pinWindow({ fromSeq: 10, toSeq: 20 }, { lastSeq: 50 }, 40)).toEqual({ fromSeq: 10, toSeq: 20 });
  });

  it('refuses a window past the stream end or backwards, naming the flag', () => {
    expect(() => pinWindow({ toSeq: 51 }, { lastSeq: 50 }, null)).toThrow(InputError);
    expect(() => pinWindow({ toSeq: 51 }, { lastSeq: 50 }, null)).toThrow(/--to-seq/);
    expect(() => pinWindow({ fromSeq: 60 }, { lastSeq: 50 }, null)).toThrow(/--from-seq/);
  });
});
