import { DrillbookError } from '../core/errors.js';

/**
 * A transient AWS failure left after the SDK's own retries (throttling, 5xx, network). Handlers
 * throw it so the state machine's Retry (ErrorEquals "TransientAwsError", full jitter, bounded)
 * runs the idempotent step again.
 */
export class TransientAwsError extends DrillbookError {}

/** An account limit (snapshot quota): not retried, reported with what to do about it. */
export class AwsQuotaError extends DrillbookError {}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);
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
