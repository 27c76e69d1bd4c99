import { title } from './markdown.js';
import { formatDuration } from './objectives.js';
import { sequenceRange } from './replay/window.js';
import type { Report } from './report.js';

/** A concise, plain-text summary for chat: outcome, RPO/RTO vs target, failed checks, where the report is. */
export function chatSummary(report: Report, location?: string): string {
  const head = `${report.outcome === 'passed' ? ':white_check_mark:' : report.outcome === 'failed' ? ':x:' : ':warning:'} ${title(report)} ${report.outcome.toUpperCase()}: ${report.system} (${report.environment})`;
  const lines = [head];
  const summary = report.details?.['summary'];
  if (typeof summary === 'string') lines.push(summary);
  if (report.objectives) {
    const o = report.objectives;
    lines.push(
      `RPO ${formatDuration(o.rpoSeconds)} (target ${formatDuration(o.rpoTargetSeconds)}) · RTO ${formatDuration(o.rtoSeconds)} (target ${formatDuration(o.rtoTargetSeconds)})${o.serviceRtoSeconds !== undefined ? ` · service RTO ${formatDuration(o.serviceRtoSeconds)} (DB + read models)` : ''}`,
    );
  }
  if (report.replay) {
    const r = report.replay;
    lines.push(
      r.digest === ''
        ? `${r.events} events read of ${r.stream}${sequenceRange(r) ? ` ${sequenceRange(r)}` : ''} before the run stopped (no digest)`
        : `${r.events} events ${sequenceRange(r)}${r.base && r.base.source !== 'empty' ? ` from the ${r.base.source} at ${r.base.seq}` : ''}, digest ${r.digest.slice(0, 12)}`,
    );
  }
  // One line per distinct failure: a check recorded twice word for word is listed once.
  const failed = [
    ...new Set(
      report.checks
        .filter((c) => c.outcome === 'failed' || c.outcome === 'inconclusive')
        .map((c) => `• ${c.name} ${c.outcome}: ${c.detail}`),
    ),
  ];
  lines.push(...failed.slice(0, 5));
  if (failed.length > 5) lines.push(`• … and ${failed.length - 5} more`);
  if (report.reason && !failed.some((l) => l.endsWith(`: ${report.reason}`)))
    lines.push(`Reason: ${report.reason}`);
  lines.push(`Report: ${location ?? report.id}`);
  return lines.join('\n');
}
