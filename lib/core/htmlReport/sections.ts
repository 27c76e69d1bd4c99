import { elapsed, title } from '../markdown.js';
import { formatDuration } from '../objectives.js';
import { describeSequences } from '../replay/window.js';
import type { Check, Report } from '../report.js';
import { escapeHtml } from './htmlText.js';

// The report page's sections other than the charts: the header, the recovery objectives, the
// replay figures, the checks and the details. Each returns '' when the report has nothing for it.

export function reportHeader(report: Report): string {
  const duration = formatDuration(elapsed(report.startedAt, report.finishedAt));
  return `<header class="report">
<h1>${escapeHtml(title(report))} <span class="badge ${report.outcome}" id="outcome">${escapeHtml(report.outcome)}</span></h1>
<dl class="meta">
<dt>System</dt><dd>${escapeHtml(report.system)} (${escapeHtml(report.environment)})</dd>
<dt>Run</dt><dd><code>${escapeHtml(report.id)}</code></dd>
<dt>Started</dt><dd>${escapeHtml(report.startedAt)}</dd>
<dt>Finished</dt><dd>${escapeHtml(report.finishedAt)} (${escapeHtml(duration)})</dd>
</dl>
${report.reason ? `<div class="reason"><strong>Reason:</strong> ${escapeHtml(report.reason)}</div>` : ''}
</header>`;
}

export function objectivesSection(report: Report): string {
  const o = report.objectives;
  if (!o) return '';
  const cards = [
    objectiveCard('RPO', o.rpoSeconds, o.rpoTargetSeconds),
    objectiveCard('RTO', o.rtoSeconds, o.rtoTargetSeconds),
  ];
  if (o.backupAgeSeconds != null) cards.push(plainCard('Backup age', formatDuration(o.backupAgeSeconds)));
  if (o.restorableLagSeconds != null)
    cards.push(plainCard('Restorable-point lag', formatDuration(o.restorableLagSeconds)));
  return `<section id="objectives">
<h2>Recovery objectives</h2>
<div class="cards">${cards.join('')}</div>
</section>`;
}

function objectiveCard(label: string, measured: number | null, target: number): string {
  const state = measured === null ? 'unknown' : measured <= target ? 'ok' : 'bad';
  const verdict = measured === null ? 'not measured' : measured <= target ? 'within target' : 'BREACHED';
  return `<div class="card ${state}" data-objective="${label.toLowerCase()}"><div class="label">${label}</div><div class="value">${escapeHtml(formatDuration(measured))}</div><div class="target">target ${escapeHtml(formatDuration(target))} · ${verdict}</div></div>`;
}

function plainCard(label: string, value: string): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;
}

export function replaySection(report: Report): string {
  const r = report.replay;
  if (!r) return '';
  const digest =
    r.expectedDigest === undefined
      ? 'no golden digest given'
      : r.expectedDigest === r.digest
        ? 'matches the golden digest'
        : `differs from the golden digest <code>${escapeHtml(r.expectedDigest)}</code>`;
  return `<section id="replay">
<h2>Replay</h2>
<div class="cards">
${plainCard('Events', `${r.events}`)}${plainCard('Rate', `${Math.round(r.eventsPerSecond)}/s`)}${plainCard('Gaps', `${r.gaps.length}`)}${plainCard('Duplicates', `${r.duplicates}`)}${plainCard('Schema violations', `${r.schemaViolations}`)}
</div>
<p class="note">Stream <code>${escapeHtml(r.stream)}</code>, ${describeSequences(r)}${r.gaps.length ? `; gaps ${escapeHtml(r.gaps.map(([a, b]) => `${a}-${b}`).join(', '))}` : ''}. Digest <code>${escapeHtml(r.digest)}</code> ${digest}.</p>
</section>`;
}

export function checksSection(checks: readonly Check[]): string {
  const rank = { failed: 0, inconclusive: 1, passed: 2, skipped: 3 } as const;
  const sorted = [...checks].sort((a, b) => rank[a.outcome] - rank[b.outcome]);
  const rows = sorted
    .map(
      (c) =>
        `<tr class="check" data-outcome="${c.outcome}"><td>${escapeHtml(c.name)}</td><td class="outcome ${c.outcome}">${escapeHtml(c.outcome)}</td><td>${escapeHtml(c.detail)}</td></tr>`,
    )
    .join('\n');
  return `<section id="checks">
<h2>Checks (${checks.filter((c) => c.outcome === 'passed').length} of ${checks.length} passed)</h2>
${checks.length === 0 ? '<p>No checks ran.</p>' : `<table><thead><tr><th>check</th><th>outcome</th><th>detail</th></tr></thead><tbody>\n${rows}\n</tbody></table>`}
</section>`;
}

export function detailsSection(report: Report): string {
  const entries = Object.entries(report.details ?? {});
  if (entries.length === 0) return '';
  const rows = entries
    .map(
      ([k, v]) =>
        `<tr><td>${escapeHtml(k)}</td><td>${typeof v === 'string' ? escapeHtml(v) : `<code>${escapeHtml(JSON.stringify(v))}</code>`}</td></tr>`,
    )
    .join('\n');
  return `<section id="details">
<h2>Details</h2>
<table><tbody>
${rows}
</tbody></table>
</section>`;
}
