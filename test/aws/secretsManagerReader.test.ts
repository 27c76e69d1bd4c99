import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerReader } from '../../lib/aws/secretsManagerReader.js';
import { SecretReadError } from '../../lib/core/reportingErrors.js';

const sm = mockClient(SecretsManagerClient);
const meta = { httpStatusCode: 200, requestId: 'R1', attempts: 1, totalRetryDelay: 0 };

describe('SecretsManagerReader', () => {
  beforeEach(() => sm.reset());

  it('returns the AWSCURRENT SecretString', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'drillbook/chat' }).resolves({
      ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:drillbook/chat-AbCdEf',
      Name: 'drillbook/chat',
      VersionId: 'v1',
      SecretString: 'https://hooks.example/T/B/x',
      VersionStages: ['AWSCURRENT'],
      $metadata: meta,
    });
    const reader = new SecretsManagerReader({ client: new SecretsManagerClient({ region: 'eu-west-1' }) });
    expect(await reader.readSecret('drillbook/chat')).toBe('https://hooks.example/T/B/x');
  });

  it('names the secret on a missing secret or a binary-only value', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { ...meta, httpStatusCode: 400 },
      }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'binary' }).resolves({
      Name: 'binary',
      SecretBinary: new Uint8Array([1, 2]),
      $metadata: meta,
    });
    const reader = new SecretsManagerReader({ client: new SecretsManagerClient({ region: 'eu-west-1' }) });
    await expect(reader.readSecret('gone')).rejects.toThrow(
      "could not read secret gone: Secrets Manager can't find the specified secret.",
    );
    await expect(reader.readSecret('binary')).rejects.toBeInstanceOf(SecretReadError);
  });
});
