import { elapsed } from '../markdown.js';
import type { Report } from '../report.js';
import { escapeHtml } from './htmlText.js';
import { lineChart, type Series } from './trendChart.js';

/** The trend charts of a report's kind: RPO and RTO for a drill, the rate for a replay, else the duration. */
function seriesFor(report: Report): Series[] {
  if (report.objectives) {
    return [
      {
        id: 'rpo',
        label: 'RPO (data-loss window)',
        unit: 'duration',
        value: (r) => r.objectives?.rpoSeconds ?? null,
        target: (r) => r.objectives?.rpoTargetSeconds ?? null,
      },
      {
        id: 'rto',
        label: 'RTO (time to verified restore)',
        unit: 'duration',
        value: (r) => r.objectives?.rtoSeconds ?? null,
        target: (r) => r.objectives?.rtoTargetSeconds ?? null,
      },
    ];
  }
  if (report.replay) {
    return [
      {
        id: 'rate',
        label: 'Replay rate (events/s)',
        unit: 'rate',
        value: (r) => r.replay?.eventsPerSecond ?? null,
      },
    ];
  }
  return [
    {
      id: 'duration',
      label: 'Run duration',
      unit: 'duration',
      value: (r) => elapsed(r.startedAt, r.finishedAt),
    },
  ];
}

export function trendSection(report: Report, runs: Report[]): string {
  const charts = seriesFor(report).map(
    (s) => `<div class="chart"><h3>${escapeHtml(s.label)}</h3>${lineChart(s, runs)}</div>`,
  );
  const note =
    runs.length === 1
      ? '<p class="note">First run of this kind for this system: the trend grows with each run.</p>'
      : `<p class="note">The last ${runs.length} runs of this kind for ${escapeHtml(report.system)}, oldest to newest; hover a point for its run.</p>`;
  return `<section id="trend">
<h2>Trend</h2>
<div class="charts">${charts.join('')}</div>
${note}
</section>`;
}
