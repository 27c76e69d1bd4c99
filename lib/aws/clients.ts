import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * Every AWS SDK client drillbook builds is built here, with one retry policy: bounded, adaptive
 * retries (throttled calls, "Rate exceeded", back off with jitter and a client-side rate limiter),
 * at most `maxAttempts` tries in all. The state machines add their own bounded Retry on top for
 * what still fails (lib/aws/retry.ts says how the layers fit).
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

type Retry = { maxAttempts: number; retryMode?: 'adaptive' };
type Extra<T> = Omit<NonNullable<T>, 'region' | 'maxAttempts' | 'retryMode'>;
const at = (region: string | undefined) => (region ? { region } : {});

export function rdsClient(region: string, extra: Extra<ConstructorParameters<typeof RDSClient>[0]> = {}) {
  return new RDSClient({ region, ...sdkRetry, ...extra });
}

export function secretsClient(region?: string, retry: Retry = sdkRetry) {
  return new SecretsManagerClient({ ...at(region), ...retry });
}

export function cloudWatchClient(region?: string, retry: Retry = sdkRetry) {
  return new CloudWatchClient({ ...at(region), ...retry });
}

export function ec2Client(region: string) {
  return new EC2Client({ region, ...sdkRetry });
}

export function stepFunctionsClient(region: string) {
  return new SFNClient({ region, ...sdkRetry });
}

export function s3Client(region?: string, retry: Retry = sdkRetry) {
  return new S3Client({ ...at(region), ...retry });
}

export function codeDeployClient(region?: string, retry: Retry = sdkRetry) {
  return new CodeDeployClient({ ...at(region), ...retry });
}

export function lambdaClient(region?: string, retry: Retry = sdkRetry) {
  return new LambdaClient({ ...at(region), ...retry });
}
