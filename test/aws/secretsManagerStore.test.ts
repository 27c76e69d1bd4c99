import {
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../lib/aws/secretsManagerStore.js';
import { RotationDisabledError, SecretNotFoundError } from '../../lib/core/rotation/errors.js';
import { rotationSteps } from '../../lib/core/rotation/stages.js';
import { runRotationStep } from '../../lib/jobs/rotation/engine.js';
import { hmacStrategy, initialHmacSecret } from '../../lib/jobs/rotation/keyringStrategies.js';
import { type FakeSecret, fakeSecretsManager } from '../helpers/fakeSecretsManager.js';

const TOKEN = '3a1b2c3d-0000-4000-8000-00000000abcd';

function hmacSecret(name: string, rotationEnabled = true): FakeSecret {
  const published = new Date(Date.now() - 10 * 86_400_000);
  return {
    name,
    rotationEnabled,
    days: 30,
    created: published,
    tags: { team: 'payments' },
    versions: {
      'v-1': { stages: ['AWSCURRENT'], value: JSON.stringify(initialHmacSecret(published)) },
      // RotateSecret has labelled the new version AWSPENDING before invoking the function.
      [TOKEN]: { stages: ['AWSPENDING'] },
    },
  };
}

describe('SecretsManagerStore', () => {
  it('maps DescribeSecret and turns ResourceNotFoundException into SecretNotFoundError', async () => {
    const { client, arn } = fakeSecretsManager([hmacSecret('webhook')]);
    const store = new SecretsManagerStore({ client });
    const d = await store.describe('webhook');
    expect(d.id).toBe(arn({ name: 'webhook' } as FakeSecret));
    expect(d.rotationEnabled).toBe(true);
    expect(d.rotationIntervalDays).toBe(30);
    expect(d.versions).toEqual({ 'v-1': ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    await expect(store.describe('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.getValue('webhook', { versionId: TOKEN, stage: 'AWSPENDING' })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
  });

  it('follows ListSecrets pages and keeps only the exact tag pair', async () => {
    const secrets = [1, 2, 3, 4, 5].map((i) => ({
      ...hmacSecret(`s${i}`),
      tags: i === 4 ? { team: 'search' } : { team: 'payments' },
    }));
    const { client, mock } = fakeSecretsManager(secrets, 2);
    const store = new SecretsManagerStore({ client });
    const all = await store.list();
    expect(all.map((s) => s.name)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(mock.commandCalls(ListSecretsCommand)).toHaveLength(3);
    expect(all[0]!.versions).toEqual({ 'v-1': ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    const tagged = await store.list({ tagKey: 'team', tagValue: 'payments' });
    expect(tagged.map((s) => s.name)).toEqual(['s1', 's2', 's3', 's5']);
    expect(mock.commandCalls(ListSecretsCommand).at(-1)!.args[0].input.Filters).toEqual([
      { Key: 'tag-key', Values: ['team'] },
      { Key: 'tag-value', Values: ['payments'] },
    ]);
  });

  it("lists only the stage's own secrets, though the API's tag filters match by prefix", async () => {
    const tagged = (name: string, tags: Record<string, string>) => ({ ...hmacSecret(name), tags });
    const { client, mock } = fakeSecretsManager(
      [
        tagged('ours', { 'drillbook:rotation': 'true', 'drillbook:stage': 'prod' }),
        tagged('staging', { 'drillbook:rotation': 'true', 'drillbook:stage': 'staging' }),
        tagged('old-prod', { 'drillbook:rotation': 'true', 'drillbook:stage': 'prod-old' }),
        tagged('untagged-stage', { 'drillbook:rotation': 'true', team: 'prod' }),
        tagged('not-rotated', { 'drillbook:stage': 'prod' }),
        tagged('also-ours', { 'drillbook:rotation': 'yes', 'drillbook:stage': 'prod' }),
      ],
      2,
    );
    const store = new SecretsManagerStore({ client });
    const found = await store.list({
      tagKey: 'drillbook:rotation',
      alsoTagged: { 'drillbook:stage': 'prod' },
    });
    expect(found.map((s) => s.name)).toEqual(['ours', 'also-ours']);
    expect(mock.commandCalls(ListSecretsCommand).at(-1)!.args[0].input.Filters).toEqual([
      { Key: 'tag-key', Values: ['drillbook:rotation'] },
      { Key: 'tag-value', Values: ['prod'] },
    ]);
    // With a value for the selecting tag too, both pairs must match exactly.
    const exact = await store.list({
      tagKey: 'drillbook:rotation',
      tagValue: 'yes',
      alsoTagged: { 'drillbook:stage': 'prod' },
    });
    expect(exact.map((s) => s.name)).toEqual(['also-ours']);
  });

  it('runs the four steps with the real call shapes, and redelivered steps change nothing', async () => {
    const fake = fakeSecretsManager([hmacSecret('webhook')]);
    const store = new SecretsManagerStore({ client: fake.client });
    const deps = {
      store,
      strategy: hmacStrategy({ overlapSeconds: 3600, cacheSeconds: 300, keyBytes: 32 }),
      log: () => {},
    };
    for (const step of rotationSteps) {
      await runRotationStep({ Step: step, SecretId: 'webhook', ClientRequestToken: TOKEN }, deps);
      await runRotationStep({ Step: step, SecretId: 'webhook', ClientRequestToken: TOKEN }, deps);
    }
    const puts = fake.mock.commandCalls(PutSecretValueCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input).toMatchObject({
      SecretId: fake.arn({ name: 'webhook' } as FakeSecret),
      ClientRequestToken: TOKEN,
      VersionStages: ['AWSPENDING'],
    });
    const moves = fake.mock.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input);
    expect(moves).toEqual([
      {
        SecretId: fake.arn({ name: 'webhook' } as FakeSecret),
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: TOKEN,
        RemoveFromVersionId: 'v-1',
      },
      {
        SecretId: fake.arn({ name: 'webhook' } as FakeSecret),
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: TOKEN,
      },
    ]);
    expect((await store.describe('webhook')).versions).toEqual({
      'v-1': ['AWSPREVIOUS'],
      [TOKEN]: ['AWSCURRENT'],
    });
    expect(fake.mock.commandCalls(GetSecretValueCommand).length).toBeGreaterThan(0);
  });

  it('refuses to rotate a secret whose rotation is disabled, before touching any value', async () => {
    const fake = fakeSecretsManager([hmacSecret('webhook', false)]);
    const store = new SecretsManagerStore({ client: fake.client });
    const deps = {
      store,
      strategy: hmacStrategy({ overlapSeconds: 3600, cacheSeconds: 300, keyBytes: 32 }),
      log: () => {},
    };
    await expect(
      runRotationStep({ Step: 'createSecret', SecretId: 'webhook', ClientRequestToken: TOKEN }, deps),
    ).rejects.toBeInstanceOf(RotationDisabledError);
    expect(fake.mock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(fake.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});
