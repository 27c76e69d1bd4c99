import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { createClient, sdkRetry } from '../../lib/aws/clients.js';

describe('AWS clients', () => {
  it('retry by the one policy unless a named purpose says otherwise', async () => {
    expect(await createClient(SecretsManagerClient, { region: 'eu-west-1' }).config.maxAttempts()).toBe(
      sdkRetry.maxAttempts,
    );
    expect(
      await createClient(S3Client, { region: 'eu-west-1', purpose: 'adapters' }).config.maxAttempts(),
    ).toBe(5);
    expect(
      await createClient(CloudWatchClient, { region: 'eu-west-1', purpose: 'canary' }).config.maxAttempts(),
    ).toBe(1);
    expect(
      await createClient(CodeDeployClient, { region: 'eu-west-1', purpose: 'canary' }).config.maxAttempts(),
    ).toBe(1);
    expect(
      await createClient(LambdaClient, { region: 'eu-west-1', purpose: 'canaryProbe' }).config.maxAttempts(),
    ).toBe(3);
  });

  it('leave the region to the SDK (AWS_REGION) when none is given', async () => {
    expect(
      await createClient(S3Client, { purpose: 'adapters' })
        .config.region()
        .catch(() => 'unset'),
    ).toBe(
      await createClient(S3Client)
        .config.region()
        .catch(() => 'unset'),
    );
  });

  it('load no SDK client themselves: a Lambda pays only for the clients it passes in', () => {
    const source = readFileSync(new URL('../../lib/aws/clients.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from '@aws-sdk\//);
  });
});
