import type { ProbeConfig } from '../core/canary/config.js';
import { describeError } from '../core/errors.js';
import type { Check } from '../core/report.js';
import { sleep } from '../core/wait.js';
import type { SmokeProber } from '../ports.js';

/**
 * Smoke probes over HTTP (health/readiness endpoints of the new version). Each attempt has its
 * own timeout; attempts are bounded by the probe's config; a probe never throws.
 */
export class HttpSmokeProber implements SmokeProber {
  constructor(
    private readonly fetchFn: typeof fetch = fetch,
    private readonly pauseMs = 1000,
  ) {}

  async probe(probe: ProbeConfig, signal?: AbortSignal): Promise<Check> {
    let last = '';
    for (let attempt = 1; attempt <= probe.attempts; attempt++) {
      const started = Date.now();
      try {
        const timeout = AbortSignal.timeout(probe.timeoutMs);
        const response = await this.fetchFn(probe.url, {
          method: probe.method,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          redirect: 'manual',
        });
        await response.body?.cancel();
        const took = Date.now() - started;
        if (response.status === probe.expectStatus) {
          return {
            name: `probe ${probe.name}`,
            outcome: 'passed',
            detail: `${probe.method} ${probe.url} -> ${response.status} in ${took}ms (attempt ${attempt})`,
          };
        }
        last = `got ${response.status}, expected ${probe.expectStatus}`;
      } catch (error) {
        if (signal?.aborted) break;
        last =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${probe.timeoutMs}ms`
            : describeError(error);
      }
      if (attempt < probe.attempts) await sleep(this.pauseMs, signal).catch(() => undefined);
    }
    return {
      name: `probe ${probe.name}`,
      outcome: 'failed',
      detail: `${probe.method} ${probe.url}: ${last || 'interrupted'} after ${probe.attempts} attempt(s)`,
    };
  }
}
