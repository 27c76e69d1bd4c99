import { elapsed } from '../markdown.js';
import { formatDuration } from '../objectives.js';
import type { Phase, Report } from '../report.js';
import { epochMs, escapeHtml, svgNumber, truncate } from './htmlText.js';
import { colors } from './pageStyle.js';

/** One bar per phase, placed by its start and length within the run. */
export function timelineSection(report: Report): string {
  if (report.phases.length === 0) return '';
  const t0 = Math.min(epochMs(report.startedAt), ...report.phases.map((p) => epochMs(p.startedAt)));
  const t1 = Math.max(epochMs(report.finishedAt), ...report.phases.map((p) => epochMs(p.finishedAt)));
  const span = Math.max(1, t1 - t0);
  const width = 800;
  const labelWidth = 130;
  const rightPad = 90;
  const plot = width - labelWidth - rightPad;
  const rowHeight = 30;
  const top = 8;
  const height = top + report.phases.length * rowHeight + 34;
  const xOfTime = (t: number) => labelWidth + ((t - t0) / span) * plot;
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const tx = labelWidth + tick * plot;
    parts.push(
      `<line x1="${svgNumber(tx)}" y1="${top}" x2="${svgNumber(tx)}" y2="${height - 26}" stroke="${colors.grid}"/>`,
      `<text class="muted" x="${svgNumber(tx)}" y="${height - 10}" text-anchor="middle">${escapeHtml(formatDuration((span * tick) / 1000))}</text>`,
    );
  }
  report.phases.forEach((phase: Phase, i) => {
    const y = top + i * rowHeight;
    const start = xOfTime(epochMs(phase.startedAt));
    const w = Math.max(3, xOfTime(epochMs(phase.finishedAt)) - start);
    const seconds = elapsed(phase.startedAt, phase.finishedAt);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${escapeHtml(truncate(phase.name, 18))}</text>`,
      `<rect class="phase-bar" data-phase="${escapeHtml(phase.name)}" data-outcome="${phase.outcome}" x="${svgNumber(start)}" y="${y + 5}" width="${svgNumber(w)}" height="${rowHeight - 10}" rx="3" fill="${colors[phase.outcome]}"><title>${escapeHtml(`${phase.name}: ${phase.outcome}, ${formatDuration(seconds)}${phase.detail ? ` (${phase.detail})` : ''}`)}</title></rect>`,
      `<text class="muted" x="${svgNumber(start + w + 6)}" y="${y + 19}">${escapeHtml(formatDuration(seconds))}</text>`,
    );
  });
  const rto = report.objectives?.rtoSeconds;
  if (rto != null && epochMs(report.startedAt) + rto * 1000 <= t1) {
    const rx = xOfTime(epochMs(report.startedAt) + rto * 1000);
    parts.push(
      `<line class="rto-marker" x1="${svgNumber(rx)}" y1="${top}" x2="${svgNumber(rx)}" y2="${height - 26}" stroke="${colors.line}" stroke-width="2" stroke-dasharray="5 3"><title>verified: RTO ${escapeHtml(formatDuration(rto))}</title></line>`,
    );
  }
  const legend =
    rto != null
      ? '<p class="note">The dashed blue line marks the moment the restored database passed verification (RTO).</p>'
      : '';
  return `<section id="timeline">
<h2>Phase timeline</h2>
<svg class="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Phase timeline">${parts.join('')}</svg>
${legend}
</section>`;
}
