import { describe, expect, it } from 'vitest';
import type { Report } from '../../lib/core/report.js';
import { OBJECTIVES_END, OBJECTIVES_START, objectivesTable, rewriteRunbook } from '../../lib/core/runbook.js';

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

describe('RUNBOOK.md objectives table', () => {
  it('shows the latest drill per system with its trend against the previous one', () => {
    const table = objectivesTable([
      drill('shop', '2026-10-01T00:00:00Z', 600),
      drill('shop', '2026-11-01T00:00:00Z', 300, 'failed'),
      drill('billing', '2026-11-02T00:00:00Z', 100),
    ]);
    const rows = table.split('\n').slice(2);
    expect(rows[0]).toBe('| billing | 2026-11-02 | passed | 30s / 15m 0s | 1m 40s / 4h 0m | first |');
    expect(rows[1]).toBe(
      '| shop | 2026-11-01 | failed | 30s / 15m 0s | 5m 0s / 4h 0m | faster (was 10m 0s) |',
    );
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
