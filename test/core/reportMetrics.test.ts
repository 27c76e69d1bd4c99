import { describe, expect, it } from 'vitest';
import { reportMetrics } from '../../lib/core/reportMetrics.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

const byName = (report: Parameters<typeof reportMetrics>[0]) =>
  Object.fromEntries(reportMetrics(report).map((m) => [m.name, m]));

describe('reportMetrics', () => {
  it('publishes RPO, RTO, targets, backup age and lag of a restore drill with System and Kind dimensions', () => {
    const m = byName(restoreDrill());
    expect(m['RpoSeconds']).toMatchObject({ value: 42, unit: 'Seconds' });
    expect(m['RtoSeconds']).toMatchObject({ value: 185, unit: 'Seconds' });
    expect(m['RpoTargetSeconds']?.value).toBe(900);
    expect(m['RtoTargetSeconds']?.value).toBe(14_400);
    expect(m['BackupAgeSeconds']?.value).toBe(3_600);
    expect(m['RestorableLagSeconds']?.value).toBe(12);
    expect(m['RpoBreached']?.value).toBe(0);
    expect(m['RtoBreached']?.value).toBe(0);
    expect(m['RunPassed']?.value).toBe(1);
    expect(m['RunFailed']?.value).toBe(0);
    expect(m['RunDurationSeconds']?.value).toBe(240);
    for (const datum of Object.values(m)) {
      expect(datum.dimensions).toEqual({ System: 'orders', Kind: 'restore-drill' });
      expect(datum.timestamp.toISOString()).toBe('2026-11-01T02:04:00.000Z');
    }
  });

  it('publishes the service RTO and catch-up figures of a drill with a catch-up, breached when the read models did not catch up', () => {
    const catchUp = {
      stream: 'ORDERS',
      fromSeq: 101,
      toSeq: 160,
      events: 60,
      seconds: 4.5,
      digest: 'd1',
      liveDigest: 'd1',
      outboxToRepublish: 3,
      serviceRtoSeconds: 189.5,
    };
    const base = restoreDrill();
    const caughtUp = byName({
      ...base,
      catchUp,
      objectives: { ...base.objectives!, serviceRtoSeconds: 189.5 },
    });
    expect(caughtUp['ServiceRtoSeconds']).toMatchObject({ value: 189.5, unit: 'Seconds' });
    expect(caughtUp['ServiceRtoBreached']?.value).toBe(0);
    expect(caughtUp['CatchUpEvents']?.value).toBe(60);
    expect(caughtUp['CatchUpSeconds']).toMatchObject({ value: 4.5, unit: 'Seconds' });
    expect(caughtUp['CatchUpOutboxToRepublish']?.value).toBe(3);

    const slow = byName({ ...base, catchUp, objectives: { ...base.objectives!, serviceRtoSeconds: 20_000 } });
    expect(slow['ServiceRtoBreached']?.value).toBe(1);
    const behind = byName({
      ...base,
      catchUp: { ...catchUp, serviceRtoSeconds: null },
      objectives: { ...base.objectives!, serviceRtoSeconds: null },
    });
    expect(behind['ServiceRtoSeconds']).toBeUndefined();
    expect(behind['ServiceRtoBreached']?.value).toBe(1);
    // Skipped (verification failed) or failed before reading the stream: breached, and no zero figures.
    const skipped = byName({
      ...base,
      catchUp: {
        ...catchUp,
        stream: '',
        fromSeq: 0,
        toSeq: 0,
        events: 0,
        seconds: 0,
        serviceRtoSeconds: null,
      },
      objectives: { ...base.objectives!, serviceRtoSeconds: null },
    });
    expect(skipped['ServiceRtoBreached']?.value).toBe(1);
    expect(skipped['CatchUpEvents']).toBeUndefined();
    expect(skipped['CatchUpSeconds']).toBeUndefined();
    // A drill without a catch-up has no service RTO to breach.
    expect(byName(base)['ServiceRtoBreached']).toBeUndefined();
  });

  it('marks a breached RPO and an unmeasured RTO as breached, and omits the unmeasured figure', () => {
    const m = byName(failedRestoreDrill());
    expect(m['RpoBreached']?.value).toBe(1);
    expect(m['RtoBreached']?.value).toBe(1);
    expect(m['RtoSeconds']).toBeUndefined();
    expect(m['RunFailed']?.value).toBe(1);
    expect(m['FailedChecks']?.value).toBe(2);
  });

  it('publishes backup age and restorable lag from a backup report without objectives', () => {
    const m = byName(otherReport('backup'));
    expect(m['BackupAgeSeconds']?.value).toBe(5);
    expect(m['RestorableLagSeconds']?.value).toBe(3);
    expect(m['RpoSeconds']).toBeUndefined();
    expect(m['RunPassed']?.dimensions.Kind).toBe('backup');
  });

  it('publishes replay rate, gaps, duplicates and a digest mismatch', () => {
    const m = byName(otherReport('replay-rehearsal', 'failed'));
    expect(m['ReplayEventsPerSecond']).toMatchObject({ value: 2500.4, unit: 'Count/Second' });
    expect(m['ReplayGaps']?.value).toBe(1);
    expect(m['ReplayDuplicates']?.value).toBe(2);
    expect(m['ReplayDigestMismatch']?.value).toBe(1);
    expect(byName(otherReport('replay-rehearsal'))['ReplayDigestMismatch']?.value).toBe(0);
  });

  it('publishes rotation status: a failed rotation and the number of flagged secrets in an audit', () => {
    expect(byName(otherReport('secret-rotation', 'failed'))['RotationFailed']?.value).toBe(1);
    expect(byName(otherReport('secret-rotation'))['RotationFailed']?.value).toBe(0);
    expect(byName(otherReport('rotation-audit', 'failed'))['RotationsFlagged']?.value).toBe(1);
    expect(byName(otherReport('rotation-audit'))['RotationsFlagged']?.value).toBe(0);
  });

  it('publishes an outcome for every kind, inconclusive included', () => {
    const m = byName(otherReport('canary-halt', 'inconclusive'));
    expect([m['RunPassed']?.value, m['RunFailed']?.value, m['RunInconclusive']?.value]).toEqual([0, 0, 1]);
  });
});
