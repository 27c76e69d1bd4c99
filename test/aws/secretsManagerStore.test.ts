import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { FileSecretStore } from '../../lib/local/fileSecretStore.js';
import type { SecretStore } from '../../lib/ports.js';
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
        // Keys that only start with the wanted ones: the API's tag-key filter lets these through too.
        tagged('key-prefix', { 'drillbook:rotations': 'true', 'drillbook:stage': 'prod' }),
        tagged('stage-key-prefix', { 'drillbook:rotation': 'true', 'drillbook:stages': 'prod' }),
      ],
      2,
    );
    const store = new SecretsManagerStore({ client });
    const found = await store.list({
      tagKey: 'drillbook:rotation',
      alsoTagged: { 'drillbook:stage': 'prod' },
    });
    expect(found.map((s) => s.name)).toEqual(['ours', 'also-ours']);
    // The fake did hand the prefix matches over: the exact filtering is the store's own.
    const listed = await Promise.all(
      mock
        .commandCalls(ListSecretsCommand)
        .map((call) => call.returnValue as Promise<{ SecretList: { Name: string }[] }>),
    );
    expect(listed.flatMap((page) => page.SecretList.map((e) => e.Name))).toEqual(
      expect.arrayContaining(['old-prod', 'key-prefix', 'stage-key-prefix']),
    );
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

type Move = { stage: string; moveToVersionId?: string; removeFromVersionId?: string };

/**
 * A secret with labels v0: AWSPREVIOUS, v1: AWSCURRENT, v2: AWSPENDING, made through PutSecretValue
 * only, on either store; versions are named v0..v2 whatever ids the store gave them.
 */
async function threeVersions(kind: 'aws' | 'file'): Promise<{
  store: SecretStore;
  labels: () => Promise<unknown>;
  /** The store's id of a version named v0..v2 here. */
  id: (name: string) => string;
}> {
  let store: SecretStore;
  if (kind === 'aws') {
    const secret = { ...hmacSecret('a'), versions: { v0: { stages: ['AWSCURRENT'], value: 'zero' } } };
    store = new SecretsManagerStore({ client: fakeSecretsManager([secret]).client });
  } else {
    const file = new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'drillbook-labels-')), 'secrets.json'));
    await file.createSecret('a', 'zero');
    store = file;
  }
  const [first] = Object.keys((await store.describe('a')).versions);
  await store.putValue('a', 'v1', 'one', ['AWSCURRENT']);
  await store.putValue('a', 'v2', 'two', ['AWSPENDING']);
  const named = (id: string) => (id === first ? 'v0' : id);
  const labels = async () =>
    Object.fromEntries(
      Object.entries((await store.describe('a')).versions)
        .filter(([, stages]) => stages.length > 0)
        .map(([id, stages]) => [named(id), [...stages].sort()]),
    );
  return { store, labels, id: (name) => (name === 'v0' ? first! : name) };
}

describe('staging labels, as Secrets Manager documents UpdateSecretVersionStage', () => {
  const cases: { name: string; moves: Move[]; labels?: Record<string, string[]> }[] = [
    {
      name: 'PutSecretValue moved AWSCURRENT and put AWSPREVIOUS on the version it left',
      moves: [],
      labels: { v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
    },
    {
      name: 'moving AWSCURRENT moves AWSPREVIOUS to the version AWSCURRENT left (and off the old one)',
      moves: [{ stage: 'AWSCURRENT', moveToVersionId: 'v2', removeFromVersionId: 'v1' }],
      labels: { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT', 'AWSPENDING'] },
    },
    {
      name: 'a label already on another version needs RemoveFromVersionId',
      moves: [{ stage: 'AWSCURRENT', moveToVersionId: 'v2' }],
    },
    {
      name: 'RemoveFromVersionId must name the version that has the label',
      moves: [{ stage: 'AWSCURRENT', moveToVersionId: 'v2', removeFromVersionId: 'v0' }],
    },
    {
      name: 'removing a label from a version without it fails',
      moves: [{ stage: 'AWSPENDING', removeFromVersionId: 'v1' }],
    },
    {
      name: 'RemoveFromVersionId alone takes the label off',
      moves: [{ stage: 'AWSPENDING', removeFromVersionId: 'v2' }],
      labels: { v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT'] },
    },
    {
      name: 'moving a label onto the version that has it changes nothing',
      moves: [{ stage: 'AWSCURRENT', moveToVersionId: 'v1' }],
      labels: { v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
    },
    {
      name: 'a label no version has is attached without RemoveFromVersionId',
      moves: [{ stage: 'BLUE', moveToVersionId: 'v0' }],
      labels: { v0: ['AWSPREVIOUS', 'BLUE'], v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
    },
    { name: 'an unknown MoveToVersionId fails', moves: [{ stage: 'BLUE', moveToVersionId: 'v9' }] },
  ];

  for (const c of cases) {
    it(`${c.name}: the fake and the local file store agree`, async () => {
      for (const kind of ['aws', 'file'] as const) {
        const { store, labels, id } = await threeVersions(kind);
        const before = await labels();
        const done = (async () => {
          for (const { moveToVersionId: to, removeFromVersionId: from, ...move } of c.moves) {
            await store.updateStage('a', {
              ...move,
              ...(to ? { moveToVersionId: id(to) } : {}),
              ...(from ? { removeFromVersionId: id(from) } : {}),
            });
          }
        })();
        if (c.labels) {
          await done;
          expect(await labels(), kind).toEqual(c.labels);
        } else {
          await expect(done, kind).rejects.toThrow();
          expect(await labels(), `${kind}: a refused move changes nothing`).toEqual(before);
        }
      }
    });
  }

  it('answers a refused move with InvalidParameterException and the reason', async () => {
    const { store } = await threeVersions('aws');
    await expect(
      store.updateStage('a', { stage: 'AWSCURRENT', moveToVersionId: 'v2' }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('Staging label AWSCURRENT is currently attached to version v1'),
    });
    await expect(
      store.updateStage('a', { stage: 'AWSPENDING', removeFromVersionId: 'v1' }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Version stage AWSPENDING not found in version v1',
    });
    // A label that no version has cannot be removed from one either.
    await expect(store.updateStage('a', { stage: 'BLUE', removeFromVersionId: 'v1' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Version stage BLUE not found in version v1',
    });
  });
});
