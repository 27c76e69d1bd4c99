import { describe, expect, it } from 'vitest';
import { InputError } from '../../../lib/core/errors.js';
import {
  checkRequestedWindow,
  type PlanInputs,
  planWindow,
  type SnapshotRef,
} from '../../../lib/core/replay/base.js';
import {
  appliedCheck,
  checkNames,
  duplicatesCheck,
  gapsCheck,
  schemasCheck,
} from '../../../lib/core/replay/checks.js';
import { DuplicateScan } from '../../../lib/core/replay/duplicates.js';
import { classifyGaps, GapTracker } from '../../../lib/core/replay/gaps.js';
import { maxListedViolations, ProjectionFold } from '../../../lib/core/replay/runner.js';
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

const created = {
  type: 'ContactCreated',
  id: 'e1',
  contactId: 'c1',
  name: 'Ada',
  email: 'ada@example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('ProjectionFold', () => {
  it('counts and lists bad events by sequence without stopping the fold', () => {
    const fold = new ProjectionFold<ContactsState>(contactsProjection);
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
    const check = schemasCheck(fold.rejections, fold.violations, fold.events);
    expect(check.outcome).toBe('failed');
    expect(check.detail).toContain('seq 5 schema ContactEmailChanged: email');
    expect(check.detail).not.toContain('seq 6');
    expect(fold.rejections).toEqual({
      notJson: { count: 1, seqs: [2] },
      unknownType: { count: 2, seqs: [3, 4] },
      schemaInvalid: { count: 1, seqs: [5] },
      rejected: { count: 1, seqs: [6] },
    });
    const applied = appliedCheck(fold.rejections, fold.violations, fold.applied, false);
    expect(applied).toMatchObject({ name: checkNames.applied, outcome: 'failed' });
    expect(applied.detail).toContain('seq 6 apply ContactRenamed');
  });

  it('counts every event of a kind exactly but lists only the first of each, so a flood of one kind hides no other', () => {
    const fold = new ProjectionFold<ContactsState>(contactsProjection);
    for (let seq = 1; seq <= 500; seq++) {
      fold.push({
        seq,
        subject: 's',
        msgId: undefined,
        data: encode({ type: 'ContactRenamed', id: `e${seq}`, contactId: `c${seq}`, name: 'X' }),
      });
    }
    fold.push({ seq: 501, subject: 's', msgId: undefined, data: encode('nope') });
    expect(fold.rejections.rejected.count).toBe(500);
    expect(fold.rejections.rejected.seqs).toHaveLength(maxListedViolations);
    expect(fold.rejections.notJson).toEqual({ count: 1, seqs: [501] });
    expect(fold.violations.some((v) => v.seq === 501)).toBe(true);
    expect(schemasCheck(fold.rejections, fold.violations, fold.events).detail).toContain('seq 501 not-json');
  });

  it("starts from base entries (their JSON round trip) through the projection's fromEntries", () => {
    const start = new ProjectionFold<ContactsState>(contactsProjection);
    start.push({
      seq: 1,
      subject: 's',
      msgId: 'a',
      data: encode(created),
    });
    const entries = JSON.parse(JSON.stringify([...contactsProjection.canonical(start.state)]));
    const fold = new ProjectionFold<ContactsState>(contactsProjection, entries);
    fold.push({
      seq: 2,
      subject: 's',
      msgId: 'b',
      data: encode({ type: 'ContactRenamed', id: 'e2', contactId: 'c1', name: 'Ada L.' }),
    });
    expect(fold.rejections.rejected.count).toBe(0);
    expect(fold.state.get('c1')?.name).toBe('Ada L.');
    const noInverse = { ...contactsProjection, fromEntries: undefined };
    expect(() => new ProjectionFold(noInverse, entries)).toThrow(/no fromEntries/);
  });
});

const snap = (seq: number): SnapshotRef => ({
  key: `k${seq}`,
  seq,
  digest: 'd'.repeat(64),
  entries: 1,
  reportId: `r${seq}`,
});
const plan = (over: Partial<PlanInputs> & { requested?: PlanInputs['requested'] } = {}) =>
  planWindow({
    requested: {},
    stream: { firstSeq: 1, lastSeq: 50 },
    liveCheckpoint: null,
    tableCheckpoint: null,
    snapshots: [],
    ...over,
  });

describe('planWindow', () => {
  it('defaults to 1..checkpoint, else 1..last sequence, from an empty state', () => {
    expect(plan({ liveCheckpoint: 40 }).window).toEqual({ fromSeq: 1, toSeq: 40 });
    expect(plan()).toMatchObject({
      window: { fromSeq: 1, toSeq: 50 },
      base: { source: 'empty' },
      blocked: null,
    });
  });

  it('follows the stream from the newest snapshot before its end', () => {
    const p = plan({ stream: { firstSeq: 301, lastSeq: 800 }, snapshots: [snap(100), snap(500), snap(800)] });
    expect(p).toMatchObject({ window: { fromSeq: 501, toSeq: 800 }, base: { source: 'snapshot', seq: 500 } });
    expect(p.blocked).toBeNull();
  });

  it('fails the retention check when the stream no longer holds the events after the newest state', () => {
    const p = plan({ stream: { firstSeq: 301, lastSeq: 800 }, snapshots: [snap(250)] });
    expect(p.blocked).toMatchObject({ name: checkNames.retention, outcome: 'failed' });
    expect(p.blocked?.detail).toContain(
      'retention gap: the stream starts at 301, the newest state is at 250',
    );
    expect(plan({ stream: { firstSeq: 301, lastSeq: 800 } }).blocked?.detail).toContain(
      'the stream starts at 301, the newest state is at 0',
    );
  });

  it('starts a window after the first event from the table checkpoint or the snapshot at from-1', () => {
    expect(plan({ requested: { fromSeq: 21 }, tableCheckpoint: 20 }).base).toEqual({
      source: 'table',
      seq: 20,
    });
    expect(plan({ requested: { fromSeq: 21 }, snapshots: [snap(20)] }).base).toMatchObject({
      source: 'snapshot',
      seq: 20,
    });
    const none = plan({ requested: { fromSeq: 21 }, snapshots: [snap(10)], tableCheckpoint: 30 });
    expect(none.blocked).toMatchObject({ name: checkNames.base, outcome: 'failed' });
    expect(none.blocked?.detail).toContain('no base state at sequence 20');
    expect(none.blocked?.detail).toContain('snapshots at 10');
    expect(plan({ requested: { base: 'table' }, tableCheckpoint: 30 }).window).toEqual({
      fromSeq: 31,
      toSeq: 50,
    });
    expect(plan({ requested: { fromSeq: 21, base: 'empty' } })).toMatchObject({
      partial: true,
      blocked: null,
    });
  });

  it('refuses a window past the stream end or backwards, naming the flag, before anything is read', () => {
    expect(() => plan({ requested: { toSeq: 51 } })).toThrow(InputError);
    expect(() => plan({ requested: { toSeq: 51 } })).toThrow(/--to-seq/);
    expect(() => checkRequestedWindow({ fromSeq: 60, toSeq: 50 })).toThrow(
      /--from-seq: the start 60 is after the end 50/,
    );
  });
});
