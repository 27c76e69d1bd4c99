import { beforeAll, describe, expect, it } from 'vitest';
import { createRotationHandler } from '../../../lib/aws/rotationLambda.js';
import { SecretsManagerStore } from '../../../lib/aws/secretsManagerStore.js';
import { RotationTestError } from '../../../lib/core/rotation/errors.js';
import { AWSCURRENT, rotationSteps } from '../../../lib/core/rotation/stages.js';
import { decideTls } from '../../../lib/core/rotation/tlsIntent.js';
import { runRotationStep } from '../../../lib/jobs/rotation/engine.js';
import { postgresStrategy } from '../../../lib/jobs/rotation/postgresStrategy.js';
import { rotateSecret } from '../../../lib/jobs/rotation/rotateSecret.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { testLogin } from '../../../lib/pg/rotatePostgresRole.js';
import { type FakeSecret, fakeSecretsManager } from '../../helpers/fakeSecretsManager.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

cleanupPostgresAfterAll();

let server: ThrowawayPostgres;
let admin: URL;
const TOKEN = 'c0ffee00-0000-4000-8000-000000000001';

beforeAll(async () => {
  server = await startPostgres();
  admin = new URL(server.url());
});

/** An admin secret and an app secret (role `role`, rotation pending on TOKEN) in the Secrets Manager fake. */
async function world(role: string, extra: Record<string, unknown> = {}) {
  await server.cluster.query(`create role ${role} login password 'first-password-1'`);
  const secret = (name: string, value: object, more: Partial<FakeSecret> = {}): FakeSecret => ({
    name,
    rotationEnabled: true,
    days: 30,
    created: new Date(),
    tags: {},
    versions: { v1: { stages: [AWSCURRENT], value: JSON.stringify(value) } },
    ...more,
  });
  const connection = { host: '127.0.0.1', port: Number(admin.port), dbname: 'postgres' };
  const fake = fakeSecretsManager([
    secret(`${role}-admin`, {
      username: decodeURIComponent(admin.username),
      password: decodeURIComponent(admin.password),
    }),
    secret(role, {
      engine: 'postgres',
      ...connection,
      username: role,
      password: 'first-password-1',
      masterarn: `${role}-admin`,
      ...extra,
    }),
  ]);
  const store = new SecretsManagerStore({ client: fake.client });
  await fake.client.send(
    new (await import('@aws-sdk/client-secrets-manager')).RotateSecretCommand({
      SecretId: role,
      ClientRequestToken: TOKEN,
    }),
  );
  const login = (c: { username: string; password: string }) =>
    testLogin(
      { ...connection, database: 'postgres', user: c.username, password: c.password, sslMode: 'disable' },
      'select 1',
    ).then(
      () => true,
      () => false,
    );
  const valueAt = async (stage: string) =>
    JSON.parse((await store.getValue(role, { stage })).value) as { username: string; password: string };
  return { store, login, valueAt };
}

const localTls = { sslMode: 'disable' as const, checkQuery: 'select 1', connectTimeoutSeconds: 5 };

describe('Postgres rotation hardening (real Postgres, Secrets Manager fake)', () => {
  it('two invocations of each step at the same moment end in the same state as one', async () => {
    const w = await world('race_app');
    const handler = createRotationHandler('postgres', {
      store: w.store,
      env: { PG_SSL_MODE: 'disable' },
    });
    for (const Step of rotationSteps) {
      const event = { Step, SecretId: 'race_app', ClientRequestToken: TOKEN };
      const results = await Promise.allSettled([handler(event), handler(event)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    }
    expect((await w.store.describe('race_app')).versions).toEqual({
      v1: ['AWSPREVIOUS'],
      [TOKEN]: ['AWSCURRENT'],
    });
    const current = await w.valueAt(AWSCURRENT);
    expect(current.username).toBe('race_app_clone');
    expect(await w.login(current)).toBe(true);
    expect(await w.login({ username: 'race_app', password: 'first-password-1' })).toBe(true);
  });

  it('finishSecret after a failed testSecret leaves AWSCURRENT and the current login alone', async () => {
    const w = await world('finish_app');
    const strategy = postgresStrategy(localTls, w.store);
    const deps = { store: w.store, strategy, log: () => {} };
    const step = (Step: (typeof rotationSteps)[number]) =>
      runRotationStep({ Step, SecretId: 'finish_app', ClientRequestToken: TOKEN }, deps);
    await step('createSecret');
    await step('setSecret');
    // The pending password stops working (someone reset it, setSecret went to the wrong server...).
    await server.cluster.query(`alter role finish_app_clone password 'not-the-pending-one'`);
    await expect(step('testSecret')).rejects.toBeInstanceOf(RotationTestError);
    await expect(step('finishSecret')).rejects.toThrow(/does not work, AWSCURRENT not moved/);
    const versions = (await w.store.describe('finish_app')).versions;
    expect(versions['v1']).toEqual([AWSCURRENT]);
    expect(versions[TOKEN]).toEqual(['AWSPENDING']);
    const current = await w.valueAt(AWSCURRENT);
    expect(current.username).toBe('finish_app');
    expect(await w.login(current)).toBe(true);
  });

  it('honours the secret\'s "ssl": true over a function configured for plaintext, and the report says so', async () => {
    const w = await world('tls_app', { ssl: true });
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/drillbook-tls-`);
    const { report } = await rotateSecret(
      { secretId: 'tls_app', system: 'test', environment: 'local' },
      {
        store: w.store,
        strategy: postgresStrategy(localTls, w.store),
        start: async () => ({ token: TOKEN, resumed: true }),
        runbook: new FolderRunbookStore(dir),
      },
    );
    // The throwaway server has no TLS: the rotation is refused rather than done over plaintext.
    expect(report.outcome).toBe('failed');
    expect(report.details?.['tls']).toBe('require (secret ssl: true; function config disable)');
    expect(report.reason).toMatch(/ssl require/);
    expect((await w.store.describe('tls_app')).versions['v1']).toEqual([AWSCURRENT]);
    expect(await w.login(await w.valueAt(AWSCURRENT))).toBe(true);
  });
});

describe('decideTls', () => {
  it('takes the strictest of the function config and the secret, and names which applied', () => {
    expect(decideTls('verify-full', { ssl: true })).toMatchObject({
      mode: 'verify-full',
      source: 'function config',
    });
    expect(decideTls('disable', { ssl: 'true' })).toMatchObject({
      mode: 'require',
      source: 'secret ssl: true',
    });
    expect(decideTls('require', { sslmode: 'verify-ca' })).toEqual({
      mode: 'verify-full',
      source: 'secret sslmode verify-ca',
      detail: 'verify-full (secret sslmode verify-ca; function config require)',
    });
    expect(decideTls('disable', { ssl: false, sslmode: 'prefer' })).toMatchObject({ mode: 'disable' });
    expect(decideTls('disable', { sslmode: 'something-new' }).mode).toBe('verify-full');
    expect(decideTls('require', {}).detail).toBe('require (function config require)');
  });
});
