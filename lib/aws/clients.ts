/**
 * Every AWS SDK client drillbook builds is built here, with one retry policy: bounded, adaptive
 * retries (throttled calls, "Rate exceeded", back off with jitter and a client-side rate limiter),
 * at most `maxAttempts` tries in all. The state machines add their own bounded Retry on top for
 * what still fails (lib/aws/retry.ts says how the layers fit).
 *
 * Callers pass the client class (as Middy's createClient does), so a Lambda loads only the SDK
 * clients it uses: this module imports none of them.
 */
export const sdkRetry = { maxAttempts: 6, retryMode: 'adaptive' } as const;

/** The purposes whose clients retry differently from `sdkRetry`, and why. */
export const sdkRetryFor = {
  /**
   * The publishing and secret adapters (S3 runbook store, CloudWatch report and rotation metrics,
   * Secrets Manager): 5 attempts, as they have always made.
   */
  adapters: { maxAttempts: 5, retryMode: 'adaptive' },
  /** The canary: one SDK attempt each; throttling is retried, bounded and visibly, by withThrottleRetry. */
  canary: { maxAttempts: 1 },
  /** The canary's Lambda probes: 3 attempts (a probe's own failure is its answer, not retried here). */
  canaryProbe: { maxAttempts: 3 },
} as const;

export type RetryPurpose = keyof typeof sdkRetryFor;

/** What drillbook sets on every client; any SDK v3 client's configuration accepts it. */
interface BaseClientConfig {
  region?: string;
  maxAttempts?: number;
  retryMode?: string;
}

/** An SDK v3 client class (S3Client, RDSClient, ...). */
export type ClientClass<C, X extends object> = new (config: BaseClientConfig & X) => C;

export interface ClientOptions<X extends object> {
  /** Without it, the SDK's own resolution applies (AWS_REGION in a Lambda). */
  region?: string | undefined;
  /** A named override of the retry policy; default `sdkRetry`. */
  purpose?: RetryPurpose;
  /** Anything else the client takes (credentials, a request handler in tests). */
  extra?: X;
}

/** Builds an SDK client with drillbook's retry policy (or the purpose's override) in `region`. */
export function createClient<C, X extends object = object>(
  Client: ClientClass<C, X>,
  options: ClientOptions<X> = {},
): C {
  const retry = options.purpose ? sdkRetryFor[options.purpose] : sdkRetry;
  return new Client({
    ...(options.extra ?? ({} as X)),
    ...(options.region ? { region: options.region } : {}),
    ...retry,
  });
}
