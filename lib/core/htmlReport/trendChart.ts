import { formatDuration } from '../objectives.js';
import type { Report } from '../report.js';
import { escapeHtml, isFiniteNumber, svgNumber } from './htmlText.js';
import { colors } from './pageStyle.js';

/** One charted figure: its value per run and, when it has one, its target per run. */
export interface Series {
  id: string;
  label: string;
  unit: 'duration' | 'rate';
  value: (r: Report) => number | null;
  target?: (r: Report) => number | null;
}

/** The chart's size and margins, in SVG units. */
const box = { width: 400, height: 200, left: 64, right: 16, top: 12, bottom: 40 } as const;
const plotW = box.width - box.left - box.right;
const plotH = box.height - box.top - box.bottom;

/** A series' values and targets over the runs, placed on the chart's axes. */
interface ChartScale {
  values: (number | null)[];
  targets: (number | null)[];
  latestTarget: number | null | undefined;
  /** Whether the latest target is drawn as a line (else named as far above). */
  targetOnScale: boolean;
  /** The value between two grid lines (4 intervals). */
  step: number;
  xOfRun: (i: number) => number;
  yOfValue: (v: number) => number;
  label: (v: number) => string;
}

/** A series over the runs as an SVG line chart: grid, target, run dates, line and points. */
export function lineChart(series: Series, runs: Report[]): string {
  const { width, height } = box;
  const scale = chartScale(series, runs);
  const parts: string[] = [
    ...gridMarks(scale),
    ...targetMarks(series, scale),
    ...runLabels(runs, scale),
    ...measuredMarks(series, runs, scale),
  ];
  return `<svg class="trend" data-series="${series.id}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(series.label)} trend">${parts.join('')}</svg>`;
}

function chartScale(series: Series, runs: Report[]): ChartScale {
  const { left, top } = box;
  const values = runs.map((r) => series.value(r));
  const targets = runs.map((r) => series.target?.(r) ?? null);
  const latestTarget = targets[targets.length - 1];
  const measuredMax = Math.max(0, ...values.filter(isFiniteNumber));
  // A target far above every measurement (RTO 3 min vs 4 h) would flatten the line into the axis:
  // then the chart scales to the measurements and names the target instead of drawing it.
  const targetOnScale =
    isFiniteNumber(latestTarget) && (measuredMax === 0 || latestTarget <= measuredMax * 3);
  const step = axisStep(
    Math.max(measuredMax, targetOnScale && isFiniteNumber(latestTarget) ? latestTarget : 0),
    series.unit,
  );
  const max = step * 4;
  return {
    values,
    targets,
    latestTarget,
    targetOnScale,
    step,
    xOfRun: (i: number) => left + (runs.length === 1 ? plotW / 2 : (i / (runs.length - 1)) * plotW),
    yOfValue: (v: number) => top + plotH - (v / max) * plotH,
    label: (v: number) => (series.unit === 'duration' ? formatDuration(v) : `${Math.round(v)}/s`),
  };
}

/** The horizontal grid lines and their value labels. */
function gridMarks({ step, yOfValue, label }: ChartScale): string[] {
  const { width, left, right } = box;
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = step * t;
    parts.push(
      `<line x1="${left}" y1="${svgNumber(yOfValue(v))}" x2="${width - right}" y2="${svgNumber(yOfValue(v))}" stroke="${colors.grid}"/>`,
      `<text class="muted" x="${left - 6}" y="${svgNumber(yOfValue(v) + 4)}" text-anchor="end">${escapeHtml(label(v))}</text>`,
    );
  }
  return parts;
}

/** The latest target: a dashed line when on the scale, else a note that it is far above. */
function targetMarks(series: Series, { latestTarget, targetOnScale, yOfValue, label }: ChartScale): string[] {
  const { width, left, right, top } = box;
  const parts: string[] = [];
  if (isFiniteNumber(latestTarget) && !targetOnScale) {
    parts.push(
      `<text class="target-offscale" data-series="${series.id}" x="${width - right}" y="${top + 12}" text-anchor="end" style="fill:${colors.target}">target ${escapeHtml(label(latestTarget))} (far above)</text>`,
    );
  }
  if (isFiniteNumber(latestTarget) && targetOnScale) {
    parts.push(
      `<line class="target-line" data-series="${series.id}" x1="${left}" y1="${svgNumber(yOfValue(latestTarget))}" x2="${width - right}" y2="${svgNumber(yOfValue(latestTarget))}" stroke="${colors.target}" stroke-dasharray="6 4"><title>target ${escapeHtml(label(latestTarget))}</title></line>`,
      `<text x="${width - right}" y="${svgNumber(yOfValue(latestTarget) - 5)}" text-anchor="end" style="fill:${colors.target}">target ${escapeHtml(label(latestTarget))}</text>`,
    );
  }
  return parts;
}

/** The runs' times (same day) or dates along the bottom, at most about six. */
function runLabels(runs: Report[], { xOfRun }: ChartScale): string[] {
  const { height, bottom } = box;
  const parts: string[] = [];
  const sameDay = new Set(runs.map((r) => r.startedAt.slice(0, 10))).size === 1;
  const every = Math.ceil(runs.length / 6);
  runs.forEach((r, i) => {
    if (i % every !== 0 && i !== runs.length - 1) return;
    const text = sameDay ? r.startedAt.slice(11, 16) : r.startedAt.slice(5, 10);
    parts.push(
      `<text class="muted" x="${svgNumber(xOfRun(i))}" y="${height - bottom + 18}" text-anchor="middle">${escapeHtml(text)}</text>`,
    );
  });
  return parts;
}

/** The line through the measured values, a point per measured run and "n/a" where none was. */
function measuredMarks(
  series: Series,
  runs: Report[],
  { values, targets, xOfRun, yOfValue, label }: ChartScale,
): string[] {
  const { top } = box;
  const parts: string[] = [];
  const measured = values.flatMap((v, i) => (isFiniteNumber(v) ? [[xOfRun(i), yOfValue(v)] as const] : []));
  if (measured.length > 1) {
    parts.push(
      `<polyline points="${measured.map(([px, py]) => `${svgNumber(px)},${svgNumber(py)}`).join(' ')}" fill="none" stroke="${colors.line}" stroke-width="2"/>`,
    );
  }
  values.forEach((v, i) => {
    const run = runs[i] as Report;
    const target = targets[i];
    if (!isFiniteNumber(v)) {
      parts.push(
        `<text class="trend-missing" x="${svgNumber(xOfRun(i))}" y="${svgNumber(top + plotH - 4)}" text-anchor="middle" style="fill:${colors.inconclusive};font-weight:600">n/a<title>${escapeHtml(`${run.startedAt}: not measured`)}</title></text>`,
      );
      return;
    }
    const over = isFiniteNumber(target) && v > target;
    const current = i === runs.length - 1;
    parts.push(
      `<circle class="trend-point" data-series="${series.id}" data-value="${v}" cx="${svgNumber(xOfRun(i))}" cy="${svgNumber(yOfValue(v))}" r="${current ? 6 : 4}" fill="${over ? colors.failed : run.outcome === 'passed' ? colors.passed : colors[run.outcome]}" stroke="#fff" stroke-width="1.5"><title>${escapeHtml(`${run.startedAt}: ${label(v)}${isFiniteNumber(target) ? ` (target ${label(target)})` : ''}, ${run.outcome}`)}</title></circle>`,
    );
  });
  return parts;
}

/** Human steps for a duration axis, in seconds. */
const durationSteps = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/** The step of a 4-interval axis whose top is at least 10% above `max`: round durations or 1-2-5 numbers. */
export function axisStep(max: number, unit: 'duration' | 'rate'): number {
  const needed = Math.max(max, 0) * 1.1;
  if (!(needed > 0)) return 1;
  const perStep = needed / 4;
  if (unit === 'duration') {
    const step = durationSteps.find((d) => d >= perStep);
    if (step !== undefined) return step;
    return Math.ceil(perStep / 86_400) * 86_400;
  }
  const power = 10 ** Math.floor(Math.log10(perStep));
  for (const m of [1, 2, 5, 10]) if (m * power >= perStep) return m * power;
  return 10 * power;
}
