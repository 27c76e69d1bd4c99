import { describe, expect, it } from 'vitest';
import { formatDuration, judgeObjectives, measureObjectives, serviceRto } from '../../lib/core/objectives.js';

const at = (iso: string) => new Date(iso);

describe('measureObjectives', () => {
  it('measures RTO from drill start to verification and RPO from target to newest heartbeat', () => {
    const m = measureObjectives({
      drillStartedAt: at('2026-11-01T10:00:00Z'),
      verifiedAt: at('2026-11-01T10:12:30Z'),
      recoveryTargetTime: at('2026-11-01T10:00:00Z'),
      newestHeartbeat: at('2026-11-01T09:58:45Z'),
      backupTakenAt: at('2026-11-01T02:00:00Z'),
      newestRestorablePoint: at('2026-11-01T09:59:00Z'),
    });
    expect(m).toEqual({
      rtoSeconds: 750,
      rpoSeconds: 75,
      backupAgeSeconds: 28_800,
      restorableLagSeconds: 60,
    });
  });

  it('reports no RTO when verification never passed and no RPO without a heartbeat', () => {
    const m = measureObjectives({
      drillStartedAt: at('2026-11-01T10:00:00Z'),
      verifiedAt: null,
      recoveryTargetTime: at('2026-11-01T10:00:00Z'),
      newestHeartbeat: null,
    });
    expect(m.rtoSeconds).toBeNull();
    expect(m.rpoSeconds).toBeNull();
    expect(m.backupAgeSeconds).toBeNull();
  });

  it('never reports a negative data-loss window when a heartbeat is newer than the target (clock skew)', () => {
    const m = measureObjectives({
      drillStartedAt: at('2026-11-01T10:00:00Z'),
      verifiedAt: at('2026-11-01T10:01:00Z'),
      recoveryTargetTime: at('2026-11-01T10:00:00Z'),
      newestHeartbeat: at('2026-11-01T10:00:02Z'),
    });
    expect(m.rpoSeconds).toBe(0);
  });
});

describe('judgeObjectives', () => {
  it('passes within target, fails beyond it and is inconclusive when unmeasured', () => {
    const targets = { rpoTargetSeconds: 900, rtoTargetSeconds: 14_400 };
    expect(judgeObjectives({ rpoSeconds: 900, rtoSeconds: 100 }, targets).map((v) => v.outcome)).toEqual([
      'passed',
      'passed',
    ]);
    expect(judgeObjectives({ rpoSeconds: 901, rtoSeconds: 14_401 }, targets).map((v) => v.outcome)).toEqual([
      'failed',
      'failed',
    ]);
    expect(judgeObjectives({ rpoSeconds: null, rtoSeconds: 1 }, targets)[0]?.outcome).toBe('inconclusive');
  });
});

describe('serviceRto', () => {
  it('keeps the RTO precision, so the service RTO is never below the database RTO', () => {
    expect(serviceRto(3.289, 0.0004)).toBe(3.289);
    expect(serviceRto(3.289, 0.15)).toBe(3.439);
    expect(serviceRto(3.289, 0.15)!).toBeGreaterThanOrEqual(3.289);
    expect(serviceRto(null, 1)).toBeNull();
  });
});

describe('formatDuration', () => {
  it('formats seconds, minutes and hours compactly', () => {
    expect(formatDuration(2.46)).toBe('2.5s');
    expect(formatDuration(900)).toBe('15m 0s');
    expect(formatDuration(14_400)).toBe('4h 0m');
    expect(formatDuration(null)).toBe('n/a');
  });
});
