import { describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../../lib/core/canary/canaryConfig.js';
import {
  type Datapoint,
  hookStatusFor,
  judgeCanary,
  type SliSeries,
  summarize,
  twoProportionZ,
} from '../../../lib/core/canary/judge.js';

/** Deterministic pseudo-random numbers (mulberry32), so noisy tests are reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const minute = (i: number) => new Date(Date.UTC(2026, 10, 23, 6, i)).toISOString();

/** `minutes` periods of traffic with an error probability and a p95 around `p95Ms` (+-jitter). */
function series(opts: {
  minutes: number;
  perMinute: number;
  errorRate: number;
  p95Ms: number;
  jitterMs?: number;
  seed: number;
}): SliSeries {
  const r = rng(opts.seed);
  const requests: Datapoint[] = [];
  const errors: Datapoint[] = [];
  const p95Ms: Datapoint[] = [];
  for (let i = 0; i < opts.minutes; i++) {
    const n = Math.max(1, Math.round(opts.perMinute * (0.7 + 0.6 * r())));
    let e = 0;
    for (let k = 0; k < n; k++) if (r() < opts.errorRate) e++;
    requests.push({ at: minute(i), value: n });
    errors.push({ at: minute(i), value: e });
    p95Ms.push({ at: minute(i), value: opts.p95Ms + (r() * 2 - 1) * (opts.jitterMs ?? 0) });
  }
  return { requests, errors, p95Ms };
}

describe('judgeCanary', () => {
  it('fails a clear error-rate regression against the 5 % guardrail', () => {
    const canary = series({ minutes: 30, perMinute: 20, errorRate: 0.09, p95Ms: 200, seed: 1 });
    const baseline = series({ minutes: 30, perMinute: 180, errorRate: 0.005, p95Ms: 200, seed: 2 });
    const v = judgeCanary(canary, baseline, defaultThresholds);
    expect(v.outcome).toBe('failed');
    expect(v.checks.find((c) => c.name === 'error rate')?.outcome).toBe('failed');
    expect(v.checks.find((c) => c.name === 'error rate vs baseline')?.outcome).toBe('failed');
    expect(hookStatusFor(v.outcome)).toBe('Failed');
  });

  it('fails a p95 latency regression even when errors are fine', () => {
    const canary = series({ minutes: 30, perMinute: 20, errorRate: 0.001, p95Ms: 340, seed: 3 });
    const baseline = series({ minutes: 30, perMinute: 180, errorRate: 0.001, p95Ms: 210, seed: 4 });
    const v = judgeCanary(canary, baseline, defaultThresholds);
    expect(v.outcome).toBe('failed');
    expect(v.checks.find((c) => c.name === 'p95 latency')?.outcome).toBe('failed');
  });

  it('fails an error-rate rise below 5 % that is well beyond noise', () => {
    const canary = series({ minutes: 30, perMinute: 200, errorRate: 0.035, p95Ms: 200, seed: 5 });
    const baseline = series({ minutes: 30, perMinute: 200, errorRate: 0.005, p95Ms: 200, seed: 6 });
    const v = judgeCanary(canary, baseline, defaultThresholds);
    expect(v.checks.find((c) => c.name === 'error rate')?.outcome).toBe('passed');
    expect(v.checks.find((c) => c.name === 'error rate vs baseline')?.outcome).toBe('failed');
    expect(v.outcome).toBe('failed');
  });

  it('passes a canary whose SLIs equal the baseline', () => {
    const same = series({ minutes: 30, perMinute: 50, errorRate: 0.01, p95Ms: 180, seed: 7 });
    const v = judgeCanary(same, same, defaultThresholds);
    expect(v.outcome).toBe('passed');
    expect(v.checks.every((c) => c.outcome === 'passed')).toBe(true);
    expect(hookStatusFor(v.outcome)).toBe('Succeeded');
  });

  it('passes noisy data drawn from the same distribution (many seeds)', () => {
    for (let seed = 100; seed < 120; seed++) {
      const canary = series({ minutes: 30, perMinute: 15, errorRate: 0.02, p95Ms: 250, jitterMs: 60, seed });
      const baseline = series({
        minutes: 30,
        perMinute: 135,
        errorRate: 0.02,
        p95Ms: 250,
        jitterMs: 60,
        seed: seed + 1000,
      });
      const v = judgeCanary(canary, baseline, defaultThresholds);
      expect({ seed, outcome: v.outcome, checks: v.checks }).toMatchObject({ seed, outcome: 'passed' });
    }
  });

  it('is inconclusive, not passed, with too few samples', () => {
    const canary = series({ minutes: 5, perMinute: 3, errorRate: 0, p95Ms: 100, seed: 8 });
    const baseline = series({ minutes: 5, perMinute: 300, errorRate: 0, p95Ms: 100, seed: 9 });
    const v = judgeCanary(canary, baseline, defaultThresholds);
    expect(v.outcome).toBe('inconclusive');
    expect(v.checks[0]).toMatchObject({ name: 'minimum samples', outcome: 'inconclusive' });
    expect(hookStatusFor(v.outcome)).toBe('Failed');
  });

  it('is inconclusive when there is no traffic data at all', () => {
    const empty: SliSeries = { requests: [], errors: [], p95Ms: [] };
    expect(judgeCanary(empty, empty, defaultThresholds).outcome).toBe('inconclusive');
  });

  it('is inconclusive when the error or latency metric is missing despite traffic', () => {
    const full = series({ minutes: 30, perMinute: 50, errorRate: 0.01, p95Ms: 180, seed: 10 });
    const noErrors = judgeCanary({ ...full, errors: [] }, full, defaultThresholds);
    expect(noErrors.outcome).toBe('inconclusive');
    expect(noErrors.checks.find((c) => c.name === 'error rate')?.detail).toMatch(/canary/);
    const noLatency = judgeCanary(full, { ...full, p95Ms: [] }, defaultThresholds);
    expect(noLatency.outcome).toBe('inconclusive');
    expect(noLatency.checks.find((c) => c.name === 'p95 latency')?.detail).toMatch(/baseline/);
  });

  it('still fails on a clear regression when another metric is missing', () => {
    const canary = series({ minutes: 30, perMinute: 50, errorRate: 0.2, p95Ms: 180, seed: 11 });
    const baseline = series({ minutes: 30, perMinute: 50, errorRate: 0.01, p95Ms: 180, seed: 12 });
    expect(judgeCanary({ ...canary, p95Ms: [] }, baseline, defaultThresholds).outcome).toBe('failed');
  });
});

describe('summarize', () => {
  it('weights per-period p95 by requests so quiet periods do not dominate', () => {
    const s = summarize({
      requests: [
        { at: 'a', value: 90 },
        { at: 'b', value: 10 },
      ],
      errors: [
        { at: 'a', value: 1 },
        { at: 'b', value: 1 },
      ],
      p95Ms: [
        { at: 'a', value: 100 },
        { at: 'b', value: 1000 },
      ],
    });
    expect(s).toEqual({ requests: 100, errors: 2, errorRate: 0.02, p95Ms: 190 });
  });
});

describe('twoProportionZ', () => {
  it('is 0 when the canary is not worse and large for a clear difference', () => {
    expect(twoProportionZ(1, 100, 10, 100)).toBe(0);
    expect(twoProportionZ(0, 100, 0, 100)).toBe(0);
    expect(twoProportionZ(50, 1000, 5, 1000)).toBeGreaterThan(5);
  });
});
