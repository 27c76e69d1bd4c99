import { formatDuration } from './objectives.js';
import type { Report } from './report.js';

export const OBJECTIVES_START = '<!-- drillbook:objectives -->';
export const OBJECTIVES_END = '<!-- /drillbook:objectives -->';

/** How many drills the history and trend columns look back over. */
export const TREND_WINDOW = 5;

/**
 * The recovery-objectives table of RUNBOOK.md, one row per system, from that system's latest
 * restore drills (any order in `reports`): the latest drill's date and outcome, measured RPO/RTO
 * against their targets, whether the objectives were met, the outcomes of the last few drills and
 * the RTO trend (the latest RTO against the average of the drills before it).
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
    '| system | last drill | outcome | RPO (measured / target) | RTO (measured / target) | objectives | last drills (oldest → newest) | RTO trend | service RTO (DB + read models caught up) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [system, list] of [...bySystem.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
    const latest = list[0];
    if (!latest?.objectives) continue;
    const o = latest.objectives;
    const history = list
      .slice(0, TREND_WINDOW)
      .reverse()
      .map((r) => outcomeMark[r.outcome])
      .join(' ');
    rows.push(
      `| ${system} | ${latest.startedAt.slice(0, 10)} | ${latest.outcome} | ${formatDuration(o.rpoSeconds)} / ${formatDuration(o.rpoTargetSeconds)} | ${formatDuration(o.rtoSeconds)} / ${formatDuration(o.rtoTargetSeconds)} | ${objectivesMet(o)} | ${history} | ${rtoTrend(list)} | ${serviceRto(o)} |`,
    );
  }
  if (rows.length === 2) rows.push('| (no restore drill yet) | | | | | | | | |');
  return rows.join('\n');
}

/** The service RTO against the RTO target, or why there is none. */
function serviceRto(o: NonNullable<Report['objectives']>): string {
  if (o.serviceRtoSeconds === undefined) return 'no catch-up phase';
  if (o.serviceRtoSeconds === null) return 'not measured (a read model did not catch up)';
  return `${formatDuration(o.serviceRtoSeconds)} / ${formatDuration(o.rtoTargetSeconds)}`;
}

const outcomeMark: Record<Report['outcome'], string> = { passed: '✓', failed: '✗', inconclusive: '?' };

/** "met", or which objective was breached or not measured. */
export function objectivesMet(o: NonNullable<Report['objectives']>): string {
  const problems: string[] = [];
  for (const [label, measured, target] of [
    ['RPO', o.rpoSeconds, o.rpoTargetSeconds],
    ['RTO', o.rtoSeconds, o.rtoTargetSeconds],
  ] as const) {
    if (measured === null) problems.push(`${label} not measured`);
    else if (measured > target) problems.push(`${label} BREACHED`);
  }
  if (o.serviceRtoSeconds != null && o.serviceRtoSeconds > o.rtoTargetSeconds)
    problems.push('service RTO BREACHED');
  return problems.length === 0 ? 'met' : problems.join(', ');
}

/**
 * The latest RTO against the average RTO of up to TREND_WINDOW - 1 drills before it (newest
 * first in `drills`). Within 5% (or 1 s) is steady.
 */
export function rtoTrend(drills: readonly Report[]): string {
  const [latest, ...before] = drills;
  const now = latest?.objectives?.rtoSeconds;
  if (now == null) return 'n/a (no RTO measured)';
  const previous = before
    .slice(0, TREND_WINDOW - 1)
    .map((r) => r.objectives?.rtoSeconds)
    .filter((v): v is number => v != null);
  if (previous.length === 0) return 'first measurement';
  const average = previous.reduce((a, b) => a + b, 0) / previous.length;
  const basis =
    previous.length === 1
      ? `was ${formatDuration(average)}`
      : `avg of last ${previous.length}: ${formatDuration(average)}`;
  if (Math.abs(now - average) <= Math.max(1, average * 0.05)) return `steady (${basis})`;
  const percent = Math.round((Math.abs(now - average) / average) * 100);
  return `${now < average ? 'faster' : 'slower'} by ${percent}% (${basis})`;
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
