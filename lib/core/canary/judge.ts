import type { Check, Outcome } from '../report.js';
import type { Thresholds } from './canaryConfig.js';
import type { HookStatus } from './deployments.js';

/** One CloudWatch datapoint. */
export interface Datapoint {
  at: string;
  value: number;
}

/**
 * The SLIs of one version over the judged window, per period as GetMetricData returns them. An
 * empty series means CloudWatch had no data for it.
 */
export interface SliSeries {
  requests: Datapoint[];
  errors: Datapoint[];
  p95Ms: Datapoint[];
}

export interface SliSummary {
  requests: number;
  errors: number | null;
  errorRate: number | null;
  p95Ms: number | null;
}

export interface CanaryVerdict {
  outcome: Outcome;
  checks: Check[];
  canary: SliSummary;
  baseline: SliSummary;
}

/**
 * Totals over the window. p95 over several periods is the request-weighted mean of the per-period
 * p95s (CloudWatch cannot merge percentiles exactly; weighting keeps quiet minutes from dominating).
 */
export function summarize(series: SliSeries): SliSummary {
  const requests = sum(series.requests);
  const errors = series.errors.length > 0 ? sum(series.errors) : null;
  const weights = new Map(series.requests.map((d) => [d.at, d.value]));
  let weighted = 0;
  let weight = 0;
  for (const d of series.p95Ms) {
    const w = weights.get(d.at) ?? 1;
    weighted += d.value * w;
    weight += w;
  }
  return {
    requests,
    errors,
    errorRate: errors !== null && requests > 0 ? Math.min(1, errors / requests) : null,
    p95Ms: series.p95Ms.length > 0 && weight > 0 ? weighted / weight : null,
  };
}

/**
 * Judges a canary against its baseline. Policy, explicitly:
 * - fewer than `minSamples` requests on either side: inconclusive (low traffic proves nothing);
 * - a missing metric (no datapoints): inconclusive, never a silent pass;
 * - canary error rate above `maxErrorRate` (runbook: 5 %): failed;
 * - canary error rate above the baseline's by more than `maxErrorRateIncrease` and beyond noise
 *   (two-proportion z-score >= `minZScore`): failed;
 * - canary p95 slower than baseline by more than `maxP95Regression` and `minP95RegressionMs`: failed.
 * Any failed check fails the verdict; otherwise any inconclusive check makes it inconclusive.
 */
export function judgeCanary(
  canarySeries: SliSeries,
  baselineSeries: SliSeries,
  t: Thresholds,
): CanaryVerdict {
  const canary = summarize(canarySeries);
  const baseline = summarize(baselineSeries);
  const checks: Check[] = [];
  const fewest = Math.min(canary.requests, baseline.requests);
  if (fewest < t.minSamples) {
    checks.push({
      name: 'minimum samples',
      outcome: 'inconclusive',
      detail: `canary ${canary.requests} / baseline ${baseline.requests} requests; need at least ${t.minSamples} each`,
    });
    return { outcome: 'inconclusive', checks, canary, baseline };
  }
  checks.push({
    name: 'minimum samples',
    outcome: 'passed',
    detail: `canary ${canary.requests} / baseline ${baseline.requests} requests (min ${t.minSamples})`,
  });
  checks.push(...errorRateChecks(canary, baseline, t));
  checks.push(latencyCheck(canary, baseline, t));
  return { outcome: verdictOutcome(checks), checks, canary, baseline };
}

function errorRateChecks(canary: SliSummary, baseline: SliSummary, t: Thresholds): Check[] {
  if (canary.errors === null || baseline.errors === null) {
    const which = canary.errors === null ? 'canary' : 'baseline';
    return [{ name: 'error rate', outcome: 'inconclusive', detail: `no error metric data for the ${which}` }];
  }
  const cr = canary.errors / canary.requests;
  const br = baseline.errors / baseline.requests;
  const absolute: Check = {
    name: 'error rate',
    outcome: cr > t.maxErrorRate ? 'failed' : 'passed',
    detail: `canary ${formatPercent(cr)} (limit ${formatPercent(t.maxErrorRate)})`,
  };
  const z = twoProportionZ(canary.errors, canary.requests, baseline.errors, baseline.requests);
  const regressed = cr - br > t.maxErrorRateIncrease && z >= t.minZScore;
  const delta: Check = {
    name: 'error rate vs baseline',
    outcome: regressed ? 'failed' : 'passed',
    detail: `canary ${formatPercent(cr)} vs baseline ${formatPercent(br)} (allowed +${formatPercent(t.maxErrorRateIncrease)}, z=${z.toFixed(2)}, significant at ${t.minZScore})`,
  };
  return [absolute, delta];
}

function latencyCheck(canary: SliSummary, baseline: SliSummary, t: Thresholds): Check {
  if (canary.p95Ms === null || baseline.p95Ms === null) {
    const which = canary.p95Ms === null ? 'canary' : 'baseline';
    return {
      name: 'p95 latency',
      outcome: 'inconclusive',
      detail: `no latency metric data for the ${which}`,
    };
  }
  const limit = Math.max(baseline.p95Ms * (1 + t.maxP95Regression), baseline.p95Ms + t.minP95RegressionMs);
  return {
    name: 'p95 latency',
    outcome: canary.p95Ms > limit ? 'failed' : 'passed',
    detail: `canary ${formatMs(canary.p95Ms)} vs baseline ${formatMs(baseline.p95Ms)} (limit ${formatMs(limit)})`,
  };
}

/**
 * One-sided two-proportion z-score of "canary errs more than baseline". 0 when both rates are 0 or
 * the canary is not worse.
 */
export function twoProportionZ(e1: number, n1: number, e2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0;
  const p1 = e1 / n1;
  const p2 = e2 / n2;
  const pooled = (e1 + e2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return p1 > p2 ? Number.POSITIVE_INFINITY : 0;
  return Math.max(0, (p1 - p2) / se);
}

function verdictOutcome(checks: readonly Check[]): Outcome {
  if (checks.some((c) => c.outcome === 'failed')) return 'failed';
  if (checks.some((c) => c.outcome === 'inconclusive')) return 'inconclusive';
  return 'passed';
}

/** The hook answer: only a pass lets traffic shift; inconclusive fails the hook, by policy. */
export function hookStatusFor(outcome: Outcome): HookStatus {
  return outcome === 'passed' ? 'Succeeded' : 'Failed';
}

function sum(points: readonly Datapoint[]): number {
  return points.reduce((s, d) => s + d.value, 0);
}

function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function formatMs(value: number): string {
  return `${value.toFixed(0)}ms`;
}
