import type { Report, ReportKind } from '../../lib/core/report.js';

/** Reports shaped like the jobs produce them, for the reporting tests. Times are fixed. */

const at = (start: string, offsetSeconds: number) =>
  new Date(new Date(start).getTime() + offsetSeconds * 1000).toISOString();

export function restoreDrill(
  overrides: Partial<Report> & { rpo?: number | null; rto?: number | null } = {},
): Report {
  const { rpo = 42, rto = 185, ...rest } = overrides;
  const startedAt = rest.startedAt ?? '2026-11-01T02:00:00.000Z';
  return {
    kind: 'restore-drill',
    id: `restore-drill-orders-${startedAt.replace(/[-:.]/g, '').slice(0, 15)}Z-a1`,
    system: 'orders',
    environment: 'production',
    startedAt,
    finishedAt: at(startedAt, 240),
    outcome: 'passed',
    phases: [
      { name: 'provision', startedAt: at(startedAt, 0), finishedAt: at(startedAt, 60), outcome: 'passed' },
      { name: 'recover', startedAt: at(startedAt, 60), finishedAt: at(startedAt, 150), outcome: 'passed' },
      { name: 'verify', startedAt: at(startedAt, 150), finishedAt: at(startedAt, 185), outcome: 'passed' },
      { name: 'mask', startedAt: at(startedAt, 185), finishedAt: at(startedAt, 200), outcome: 'skipped' },
      { name: 'teardown', startedAt: at(startedAt, 200), finishedAt: at(startedAt, 240), outcome: 'passed' },
    ],
    checks: [
      { name: 'row-counts', outcome: 'passed', detail: '12 tables match the manifest' },
      { name: 'checksums', outcome: 'passed', detail: '12 tables match' },
      { name: 'amcheck', outcome: 'passed', detail: '31 indexes verified' },
      { name: 'rpo-within-target', outcome: 'passed', detail: 'RPO 42s vs target 15m 0s' },
      { name: 'rto-within-target', outcome: 'passed', detail: 'RTO 3m 5s vs target 4h 0m' },
    ],
    objectives: {
      rpoSeconds: rpo,
      rtoSeconds: rto,
      rpoTargetSeconds: 900,
      rtoTargetSeconds: 14_400,
      backupAgeSeconds: 3_600,
      restorableLagSeconds: 12,
    },
    details: { backupId: 'base-20261101T010000Z', targetTime: at(startedAt, -30) },
    ...rest,
  };
}

export function failedRestoreDrill(startedAt = '2026-11-08T02:00:00.000Z'): Report {
  const base = restoreDrill({ startedAt, rpo: 1_200, rto: null });
  return {
    ...base,
    outcome: 'failed',
    reason: 'checksums differ in public.orders',
    phases: base.phases.map((p) => (p.name === 'verify' ? { ...p, outcome: 'failed' } : p)),
    checks: [
      { name: 'row-counts', outcome: 'passed', detail: '12 tables match the manifest' },
      { name: 'checksums', outcome: 'failed', detail: 'public.orders: expected 9f2c, got 11ab <x>' },
      { name: 'amcheck', outcome: 'inconclusive', detail: 'not run after a failed checksum' },
      { name: 'rpo-within-target', outcome: 'failed', detail: 'RPO 20m 0s vs target 15m 0s' },
      { name: 'rto-within-target', outcome: 'inconclusive', detail: 'RTO could not be measured' },
    ],
  };
}

export function otherReport(
  kind: Exclude<ReportKind, 'restore-drill'>,
  outcome: Report['outcome'] = 'passed',
): Report {
  const startedAt = '2026-11-02T03:00:00.000Z';
  const base: Report = {
    kind,
    id: `${kind}-orders-20261102T030000Z-b2`,
    system: 'orders',
    environment: 'production',
    startedAt,
    finishedAt: at(startedAt, 30),
    outcome,
    phases: [{ name: 'run', startedAt, finishedAt: at(startedAt, 30), outcome }],
    checks: [
      {
        name: `${kind}-check`,
        outcome: outcome === 'passed' ? 'passed' : outcome,
        detail: outcome === 'passed' ? 'fine' : 'something is wrong',
      },
    ],
  };
  switch (kind) {
    case 'backup':
      return {
        ...base,
        details: {
          backupId: 'base-20261102T030000Z',
          backupAgeSeconds: 5,
          restorableLagSeconds: 3,
          sizeBytes: 123456,
        },
      };
    case 'replay-rehearsal':
      return {
        ...base,
        replay: {
          stream: 'ORDERS',
          fromSeq: 1,
          toSeq: 1000,
          events: 1000,
          gaps: outcome === 'passed' ? [] : [[500, 502]],
          duplicates: outcome === 'passed' ? 0 : 2,
          schemaViolations: 0,
          digest: 'a'.repeat(64),
          expectedDigest: outcome === 'passed' ? 'a'.repeat(64) : 'b'.repeat(64),
          eventsPerSecond: 2500.4,
        },
      };
    case 'canary-halt':
      return {
        ...base,
        details: { deploymentId: 'd-ABC123', alarm: 'orders-5xx-rate', action: 'stopped with rollback' },
      };
    case 'canary-verdict':
      return {
        ...base,
        details: {
          hook: 'AfterAllowTraffic',
          hookStatus: outcome === 'passed' ? 'Succeeded' : 'Failed',
          summary: `Canary verdict ${outcome.toUpperCase()}: answered ${outcome === 'passed' ? 'Succeeded, traffic moves on' : 'Failed, CodeDeploy rolls back'}`,
        },
      };
    case 'secret-rotation':
      return {
        ...base,
        details: { secretId: 'orders/db', step: 'finishSecret', strategy: 'alternating-users' },
      };
    case 'rotation-audit':
      return {
        ...base,
        checks: [
          { name: 'orders/db', outcome: 'passed', detail: 'rotated 3 days ago' },
          {
            name: 'orders/jwt',
            outcome: outcome === 'passed' ? 'passed' : 'failed',
            detail: outcome === 'passed' ? 'rotated 1 day ago' : 'overdue by 4 days',
          },
        ],
      };
  }
}
