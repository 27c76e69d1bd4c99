import { DrillbookError, describeError, InterruptedError } from '../core/errors.js';
import { sleep } from '../core/wait.js';

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
}

/** An AWS call still failed after its bounded retries. */
export class AwsCallError extends DrillbookError {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`${operation} failed after ${attempts} attempt(s): ${describeError(options.cause)}`, options);
  }
}

export interface RetryPolicy {
  /** Total attempts, first call included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injectable for tests (no real waiting); defaults to a real, abortable sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'LimitExceededException',
]);

/** Throttling, or anything the SDK marks `$retryable`, or a 5xx: worth another bounded attempt. */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.name && throttlingNames.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Calls `call` until it succeeds, a non-retryable error occurs, or `attempts` run out, waiting
 * with capped exponential backoff and full jitter in between. The SDK clients drillbook builds use
 * maxAttempts 1 so that retries are counted here only, and visibly.
 */
export async function withThrottleRetry<T>(
  operation: string,
  call: () => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<T> {
  const wait = policy.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    // An aborted caller wants no more attempts, also when an injected sleep ignores the signal.
    if (policy.signal?.aborted)
      throw new InterruptedError(`${operation} abandoned: ${abortReason(policy.signal)}`);
    try {
      return await call();
    } catch (error) {
      if (!isRetryableAwsError(error)) throw error;
      if (attempt >= policy.attempts) throw new AwsCallError(operation, attempt, { cause: error });
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await wait(Math.round(Math.random() * cap), policy.signal);
    }
  }
}
