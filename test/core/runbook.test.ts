import { describe, expect, it } from 'vitest';
import type { Report } from '../../lib/core/report.js';
import {
  OBJECTIVES_END,
  OBJECTIVES_START,
  objectivesMet,
  objectivesTable,
  rewriteRunbook,
  rtoTrend,
} from '../../lib/core/runbook.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

const rowOf = (table: string, system: string) =>
  table
    .split('\n')
    .find((l) => l.startsWith(`| ${system} |`))
    ?.split('|')
    .map((c) => c.trim())
    .slice(1, -1);

describe('objectivesTable', () => {
  it('writes one row per system from its latest drill: date, outcome, measured vs target, verdict', () => {
    const table = objectivesTable([
      restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z', rto: 200 }),
      restoreDrill({ startedAt: '2026-11-01T02:00:00.000Z', rto: 185 }),
      restoreDrill({
        system: 'billing',
        id: 'restore-drill-billing-x',
        startedAt: '2026-11-03T02:00:00.000Z',
      }),
      otherReport('backup'),
    ]);
    const orders = rowOf(table, 'orders');
    expect(orders).toEqual([
      'orders',
      '2026-11-01',
      'passed',
      '42s / 15m 0s',
      '3m 5s / 4h 0m',
      'met',
      '✓ ✓',
      'faster by 8% (was 3m 20s)',
      'no catch-up phase',
    ]);
    expect(rowOf(table, 'billing')?.[1]).toBe('2026-11-03');
    // billing sorts before orders
    expect(table.indexOf('| billing |')).toBeLessThan(table.indexOf('| orders |'));
  });

  it('shows a breach, the last five outcomes oldest first, and no trend without a measured RTO', () => {
    const drills = [
      restoreDrill({ startedAt: '2026-06-01T02:00:00.000Z' }),
      restoreDrill({ startedAt: '2026-07-01T02:00:00.000Z' }),
      restoreDrill({ startedAt: '2026-08-01T02:00:00.000Z', outcome: 'inconclusive' }),
      restoreDrill({ startedAt: '2026-09-01T02:00:00.000Z' }),
      restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z' }),
      failedRestoreDrill('2026-11-08T02:00:00.000Z'),
    ];
    const row = rowOf(objectivesTable(drills), 'orders');
    expect(row?.[2]).toBe('failed');
    expect(row?.[5]).toBe('RPO BREACHED, RTO not measured');
    expect(row?.[6]).toBe('✓ ? ✓ ✓ ✗');
    expect(row?.[7]).toBe('n/a (no RTO measured)');
  });

  it('says so when there is no restore drill yet', () => {
    expect(objectivesTable([otherReport('backup')])).toContain('(no restore drill yet)');
  });
});

describe('rtoTrend', () => {
  const drill = (startedAt: string, rto: number | null) => restoreDrill({ startedAt, rto });
  it('compares the latest RTO with the average of up to four earlier drills', () => {
    const trend = rtoTrend([
      drill('2026-11-01T00:00:00Z', 300),
      drill('2026-10-01T00:00:00Z', 200),
      drill('2026-09-01T00:00:00Z', null),
      drill('2026-08-01T00:00:00Z', 200),
      drill('2026-07-01T00:00:00Z', 200),
      drill('2026-06-01T00:00:00Z', 10_000), // outside the window
    ]);
    expect(trend).toBe('slower by 50% (avg of last 3: 3m 20s)');
  });
  it('is steady within 5% and a first measurement without history', () => {
    expect(rtoTrend([drill('2026-11-01T00:00:00Z', 204), drill('2026-10-01T00:00:00Z', 200)])).toBe(
      'steady (was 3m 20s)',
    );
    expect(rtoTrend([drill('2026-11-01T00:00:00Z', 204)])).toBe('first measurement');
  });
});

describe('objectivesMet', () => {
  it('names every breached or unmeasured objective', () => {
    const o = { rpoSeconds: 10, rtoSeconds: 20_000, rpoTargetSeconds: 900, rtoTargetSeconds: 14_400 };
    expect(objectivesMet(o)).toBe('RTO BREACHED');
    expect(objectivesMet({ ...o, rtoSeconds: 100 })).toBe('met');
    expect(objectivesMet({ ...o, rpoSeconds: null })).toBe('RPO not measured, RTO BREACHED');
  });
});

describe('rewriteRunbook', () => {
  it('replaces only the section between the markers', () => {
    const before = `# Ops\n\nintro\n\n${OBJECTIVES_START}\nold\n${OBJECTIVES_END}\n\n## On call\nkeep me\n`;
    const after = rewriteRunbook(before, 'NEW TABLE');
    expect(after).toContain(`${OBJECTIVES_START}\nNEW TABLE\n${OBJECTIVES_END}`);
    expect(after).not.toContain('old');
    expect(after).toContain('## On call\nkeep me');
  });
});

// The cases of the foundation's runbook test, on the table's current columns.
describe('RUNBOOK.md objectives table (foundation cases)', () => {
  const drill = (
    system: string,
    startedAt: string,
    rto: number,
    outcome: Report['outcome'] = 'passed',
  ): Report => ({
    kind: 'restore-drill',
    id: `d-${system}-${startedAt}`,
    system,
    environment: 'production',
    startedAt,
    finishedAt: startedAt,
    outcome,
    phases: [],
    checks: [],
    objectives: { rpoSeconds: 30, rtoSeconds: rto, rpoTargetSeconds: 900, rtoTargetSeconds: 14_400 },
  });

  it('shows the latest drill per system with its trend against the previous one', () => {
    const table = objectivesTable([
      drill('shop', '2026-10-01T00:00:00Z', 600),
      drill('shop', '2026-11-01T00:00:00Z', 300, 'failed'),
      drill('billing', '2026-11-02T00:00:00Z', 100),
    ]);
    const rows = table.split('\n').slice(2);
    expect(rows[0]).toBe(
      '| billing | 2026-11-02 | passed | 30s / 15m 0s | 1m 40s / 4h 0m | met | ✓ | first measurement | no catch-up phase |',
    );
    expect(rows[1]).toBe(
      '| shop | 2026-11-01 | failed | 30s / 15m 0s | 5m 0s / 4h 0m | met | ✓ ✗ | faster by 50% (was 10m 0s) | no catch-up phase |',
    );
  });

  it('shows the service RTO (database plus read models caught up) beside the database RTO', () => {
    const withCatchUp = drill('shop', '2026-11-01T00:00:00Z', 300);
    withCatchUp.objectives = { ...withCatchUp.objectives!, serviceRtoSeconds: 360 };
    const failedCatchUp = drill('billing', '2026-11-01T00:00:00Z', 300, 'failed');
    failedCatchUp.objectives = { ...failedCatchUp.objectives!, serviceRtoSeconds: null };
    const slow = drill('crm', '2026-11-01T00:00:00Z', 300);
    slow.objectives = { ...slow.objectives!, serviceRtoSeconds: 20_000 };
    const table = objectivesTable([withCatchUp, failedCatchUp, slow]);
    expect(rowOf(table, 'shop')?.slice(4)).toEqual([
      '5m 0s / 4h 0m',
      'met',
      '✓',
      'first measurement',
      '6m 0s / 4h 0m',
    ]);
    expect(rowOf(table, 'billing')?.at(-1)).toBe('not measured (a read model did not catch up)');
    expect(rowOf(table, 'crm')?.[5]).toBe('service RTO BREACHED');
  });

  it('rewrites only the section between the markers and keeps the rest of the runbook', () => {
    const before = `# Shop runbook\n\nCall Ana.\n\n${OBJECTIVES_START}\nold\n${OBJECTIVES_END}\n\n## Escalation\n`;
    const after = rewriteRunbook(before, 'NEW TABLE');
    expect(after).toBe(
      `# Shop runbook\n\nCall Ana.\n\n${OBJECTIVES_START}\nNEW TABLE\n${OBJECTIVES_END}\n\n## Escalation\n`,
    );
    expect(rewriteRunbook(null, 'T')).toContain(`${OBJECTIVES_START}\nT\n${OBJECTIVES_END}`);
    expect(rewriteRunbook('# Mine\n', 'T')).toMatch(/^# Mine\n\n## Recovery objectives\n/);
  });
});
