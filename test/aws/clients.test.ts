import { describe, expect, it } from 'vitest';
import {
  cloudWatchClient,
  codeDeployClient,
  lambdaClient,
  s3Client,
  sdkRetry,
  sdkRetryFor,
  secretsClient,
} from '../../lib/aws/clients.js';

describe('AWS clients', () => {
  it('retry by the one policy unless a named purpose says otherwise', async () => {
    expect(await secretsClient('eu-west-1').config.maxAttempts()).toBe(sdkRetry.maxAttempts);
    expect(await s3Client('eu-west-1', sdkRetryFor.adapters).config.maxAttempts()).toBe(5);
    expect(await cloudWatchClient('eu-west-1', sdkRetryFor.canary).config.maxAttempts()).toBe(1);
    expect(await codeDeployClient('eu-west-1', sdkRetryFor.canary).config.maxAttempts()).toBe(1);
    expect(await lambdaClient('eu-west-1', sdkRetryFor.canaryProbe).config.maxAttempts()).toBe(3);
  });

  it('leave the region to the SDK (AWS_REGION) when none is given', async () => {
    expect(
      await s3Client(undefined, sdkRetryFor.adapters)
        .config.region()
        .catch(() => 'unset'),
    ).toBe(
      await s3Client()
        .config.region()
        .catch(() => 'unset'),
    );
  });
});
