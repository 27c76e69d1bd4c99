import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { readDbCredential } from '../../lib/aws/secrets.js';
import { ConfigError } from '../../lib/core/errors.js';
import { parseConfig } from '../../lib/drillbookConfig.js';

const example = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'config', 'drillbook.aws.example.json'), 'utf8'),
);

function withAws(aws: Record<string, unknown>) {
  const copy = structuredClone(example);
  copy.systems[0].aws = { ...copy.systems[0].aws, ...aws };
  return copy;
}

function fieldOf(input: unknown): string {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
  return '(valid)';
}

describe('systems[].aws config', () => {
  it('accepts the shipped example with defaults for the waits', () => {
    const aws = parseConfig(example).systems[0]!.aws!;
    expect(aws.waits).toEqual({ snapshotTimeoutMinutes: 180, restoreTimeoutMinutes: 240 });
    expect(aws.sslMode).toBe('verify-full');
  });

  it('names the field of each mistake', () => {
    expect(fieldOf(withAws({ dbClusterIdentifier: 'shop-cluster' }))).toBe(
      'systems.0.aws.dbInstanceIdentifier',
    );
    expect(fieldOf(withAws({ region: 'Ireland' }))).toBe('systems.0.aws.region');
    expect(
      fieldOf(withAws({ staging: { ...example.systems[0].aws.staging, environment: 'production' } })),
    ).toBe('systems.0.aws.staging.environment');
    expect(
      fieldOf(withAws({ staging: { ...example.systems[0].aws.staging, vpcSecurityGroupIds: [] } })),
    ).toBe('systems.0.aws.staging.vpcSecurityGroupIds');
  });
});

describe('database credential from Secrets Manager', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterAll(() => secrets.restore());

  it('reads username and password, and never puts the secret in an error', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"username":"app","password":"s3cr3t-value"}' });
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    expect(await readDbCredential(client, 'shop/db')).toEqual({ username: 'app', password: 's3cr3t-value' });

    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"app","pass":"s3cr3t-value"}' });
    const error = await readDbCredential(client, 'shop/db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/secret shop\/db lacks a valid "password"/);
    expect((error as Error).message).not.toContain('s3cr3t');
  });
});
