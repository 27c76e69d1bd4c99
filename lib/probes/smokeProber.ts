import type { HttpProbeConfig, LambdaProbeConfig, ProbeConfig } from '../core/canary/canaryConfig.js';
import { describeError } from '../core/errors.js';
import type { Check } from '../core/report.js';
import { sleep } from '../core/wait.js';
import type { SmokeProber } from '../ports.js';

/** One try of a probe: did the new version answer as expected, and what did it say. */
export type ProbeAttempt<P> = (probe: P, signal: AbortSignal) => Promise<{ ok: boolean; detail: string }>;

/**
 * Smoke probes against the new version: HTTP health/readiness endpoints, or a test invoke of the
 * new Lambda version. Each attempt has its own timeout; attempts are bounded by the probe's
 * config; a probe never throws, its check says what happened.
 */
export class RetryingSmokeProber implements SmokeProber {
  constructor(
    private readonly attempts: {
      http: ProbeAttempt<HttpProbeConfig>;
      invoke?: ProbeAttempt<LambdaProbeConfig>;
    },
    private readonly pauseMs = 1000,
  ) {}

  async probe(probe: ProbeConfig, signal?: AbortSignal): Promise<Check> {
    const name = `probe ${probe.name}`;
    const what =
      'invoke' in probe
        ? `invoke ${probe.invoke.functionName}:${probe.invoke.qualifier ?? '$LATEST'}`
        : `${probe.method} ${probe.url}`;
    const attempt = this.attemptFor(probe);
    if (!attempt)
      return { name, outcome: 'failed', detail: `${what}: no Lambda client wired for test invokes` };
    let last = '';
    for (let n = 1; n <= probe.attempts; n++) {
      const timeout = AbortSignal.timeout(probe.timeoutMs);
      try {
        const result = await attempt(signal ? AbortSignal.any([signal, timeout]) : timeout);
        if (result.ok)
          return { name, outcome: 'passed', detail: `${what} -> ${result.detail} (attempt ${n})` };
        last = result.detail;
      } catch (error) {
        if (signal?.aborted) break;
        last = timeout.aborted ? `no answer within ${probe.timeoutMs}ms` : describeError(error);
      }
      if (n < probe.attempts) await sleep(this.pauseMs, signal).catch(() => undefined);
    }
    return {
      name,
      outcome: 'failed',
      detail: `${what}: ${last || 'interrupted'} after ${probe.attempts} attempt(s)`,
    };
  }

  private attemptFor(
    probe: ProbeConfig,
  ): ((signal: AbortSignal) => Promise<{ ok: boolean; detail: string }>) | null {
    if ('invoke' in probe) {
      const invoke = this.attempts.invoke;
      return invoke ? (signal) => invoke(probe, signal) : null;
    }
    return (signal) => this.attempts.http(probe, signal);
  }
}

/** An HTTP probe attempt: the status must be the expected one (redirects are not followed). */
export function httpAttempt(fetchFn: typeof fetch = fetch): ProbeAttempt<HttpProbeConfig> {
  return async (probe, signal) => {
    const started = Date.now();
    const response = await fetchFn(probe.url, { method: probe.method, signal, redirect: 'manual' });
    await response.body?.cancel();
    const took = Date.now() - started;
    return response.status === probe.expectStatus
      ? { ok: true, detail: `${response.status} in ${took}ms` }
      : { ok: false, detail: `got ${response.status}, expected ${probe.expectStatus}` };
  };
}
