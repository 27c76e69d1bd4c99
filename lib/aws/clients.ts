import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients with bounded, adaptive retries: throttled calls ("Rate exceeded", Throttling) back
 * off with jitter and a client-side rate limiter, at most `maxAttempts` tries in all. The state
 * machines add their own bounded Retry on top for what still fails.
 */
export const sdkRetry = { maxAttempts: 6, retryMode: 'adaptive' } as const;

type Extra<T> = Omit<T, 'region' | 'maxAttempts' | 'retryMode'>;

export function rdsClient(region: string, extra: Extra<ConstructorParameters<typeof RDSClient>[0]> = {}) {
  return new RDSClient({ region, ...sdkRetry, ...extra });
}

export function secretsClient(region: string) {
  return new SecretsManagerClient({ region, ...sdkRetry });
}

export function cloudWatchClient(region: string) {
  return new CloudWatchClient({ region, ...sdkRetry });
}

export function ec2Client(region: string) {
  return new EC2Client({ region, ...sdkRetry });
}

export function stepFunctionsClient(region: string) {
  return new SFNClient({ region, ...sdkRetry });
}
