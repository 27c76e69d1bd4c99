import { formatDuration } from './objectives.js';
import type { Report } from './report.js';

export const OBJECTIVES_START = '<!-- drillbook:objectives -->';
export const OBJECTIVES_END = '<!-- /drillbook:objectives -->';

/**
 * The recovery-objectives table of RUNBOOK.md, one row per system, from that system's latest
 * restore drills (newest first in `reports`). Trend compares the latest RTO with the one before.
 */
export function objectivesTable(reports: readonly Report[]): string {
  const bySystem = new Map<string, Report[]>();
  for (const r of reports) {
    if (r.kind !== 'restore-drill' || !r.objectives) continue;
    const list = bySystem.get(r.system) ?? [];
    list.push(r);
    bySystem.set(r.system, list);
  }
  const rows = [
    '| system | last drill | outcome | RPO (measured / target) | RTO (measured / target) | trend (RTO) |',
    '|---|---|---|---|---|---|',
  ];
  for (const [system, list] of [...bySystem.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const [latest, previous] = list;
    if (!latest?.objectives) continue;
    const o = latest.objectives;
    rows.push(
      `| ${system} | ${latest.startedAt.slice(0, 10)} | ${latest.outcome} | ${formatDuration(o.rpoSeconds)} / ${formatDuration(o.rpoTargetSeconds)} | ${formatDuration(o.rtoSeconds)} / ${formatDuration(o.rtoTargetSeconds)} | ${trend(latest, previous)} |`,
    );
  }
  if (rows.length === 2) rows.push('| (no restore drill yet) | | | | | |');
  return rows.join('\n');
}

function trend(latest: Report, previous: Report | undefined): string {
  const now = latest.objectives?.rtoSeconds;
  const before = previous?.objectives?.rtoSeconds;
  if (now == null || before == null) return 'first';
  if (Math.abs(now - before) <= Math.max(1, before * 0.05)) return 'steady';
  return now < before ? `faster (was ${formatDuration(before)})` : `slower (was ${formatDuration(before)})`;
}

/** Rewrites the section between the markers; adds the section (and a heading) when absent. */
export function rewriteRunbook(existing: string | null, table: string): string {
  const section = `${OBJECTIVES_START}\n${table}\n${OBJECTIVES_END}`;
  if (existing === null || existing.trim() === '') {
    return `# Runbook\n\n## Recovery objectives\n\nMaintained by drillbook from the latest restore drills.\n\n${section}\n`;
  }
  const start = existing.indexOf(OBJECTIVES_START);
  const end = existing.indexOf(OBJECTIVES_END);
  if (start === -1 || end === -1 || end < start) {
    return `${existing.trimEnd()}\n\n## Recovery objectives\n\n${section}\n`;
  }
  return existing.slice(0, start) + section + existing.slice(end + OBJECTIVES_END.length);
}
