import { DrillbookError, describeError, InterruptedError } from '../core/errors.js';
import { sleep } from '../core/wait.js';

/**
 * Retry in drillbook, in one place. Three layers, each bounded:
 * - the SDK's own retries, configured per client in clients.ts (`sdkRetry` and its named overrides);
 * - withThrottleRetry below, for callers that count attempts themselves and visibly (the canary,
 *   whose clients make one SDK attempt each);
 * - the state machines' Retry on TransientAwsError, which step handlers throw (asStepError).
 */

/**
 * A transient AWS failure left after the SDK's own retries (throttling, 5xx, network). Handlers
 * throw it so the state machine's Retry (ErrorEquals "TransientAwsError", full jitter, bounded)
 * runs the idempotent step again.
 */
export class TransientAwsError extends DrillbookError {}

/** An account limit (snapshot quota): not retried, reported with what to do about it. */
export class AwsQuotaError extends DrillbookError {}

/** The error names every AWS service uses for throttling. */
const THROTTLING_NAMES = [
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
] as const;
/** For step errors, S3's SlowDown is throttling too (and a "Rate exceeded" message, below). */
const THROTTLING = new Set<string>([...THROTTLING_NAMES, 'SlowDown']);
const TRANSIENT = new Set([
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isThrottling(error: unknown): boolean {
  const e = error as AwsLikeError | null;
  return !!e && (THROTTLING.has(e.name ?? '') || /rate exceeded/i.test(e.message ?? ''));
}

/** Throttling, server-side faults and dropped connections: worth another try later. */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof TransientAwsError) return true;
  const e = error as AwsLikeError | null;
  if (!e || typeof e !== 'object') return false;
  if (isThrottling(e)) return true;
  if (TRANSIENT.has(e.name ?? '') || TRANSIENT.has(e.code ?? '')) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Wraps a transient error so the state machine can match it by name; leaves others alone. */
export function asStepError(error: unknown): unknown {
  if (error instanceof TransientAwsError || !isTransientAwsError(error)) return error;
  const e = error as AwsLikeError;
  return new TransientAwsError(`${e.name ?? 'error'}: ${e.message ?? 'transient AWS failure'}`, {
    cause: error,
  });
}

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

/** For withThrottleRetry, CodeDeploy's and CloudWatch's LimitExceededException counts as throttling. */
const throttlingNames = new Set<string>([...THROTTLING_NAMES, 'LimitExceededException']);

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
