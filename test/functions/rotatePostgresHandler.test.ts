import { describe, expect, it } from 'vitest';
import { createRotationHandler } from '../../lib/aws/rotationLambda.js';
import { SecretsManagerStore } from '../../lib/aws/secretsManagerStore.js';
import { rotationSteps } from '../../lib/core/rotation/stages.js';
import { testLogin } from '../../lib/pg/rotatePostgresRole.js';
import { fakeSecretsManager } from '../helpers/fakeSecretsManager.js';
import { cleanupPostgresAfterAll, startPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

const TOKEN = '5e1ec7ed-0000-4000-8000-000000000042';

describe('rotatePostgres Lambda handler', () => {
  it('rotates a real Postgres role through Secrets Manager calls, each step delivered twice', async () => {
    const pg = await startPostgres();
    const admin = new URL(pg.url());
    await pg.cluster.query(`create role lambda_app login password 'initial-password-1'`);
    const connection = { host: '127.0.0.1', port: Number(admin.port), dbname: 'postgres' };
    const fake = fakeSecretsManager([
      {
        name: 'drillbook/postgres-admin/main',
        rotationEnabled: false,
        days: null,
        created: new Date(),
        tags: {},
        versions: {
          a: {
            stages: ['AWSCURRENT'],
            value: JSON.stringify({
              username: decodeURIComponent(admin.username),
              password: decodeURIComponent(admin.password),
            }),
          },
        },
      },
      {
        name: 'drillbook/postgres/app',
        rotationEnabled: true,
        days: 30,
        created: new Date(),
        tags: { 'drillbook:rotation': 'postgres' },
        versions: {
          v1: {
            stages: ['AWSCURRENT'],
            value: JSON.stringify({
              engine: 'postgres',
              ...connection,
              username: 'lambda_app',
              password: 'initial-password-1',
              masterarn: 'drillbook/postgres-admin/main',
            }),
          },
          [TOKEN]: { stages: ['AWSPENDING'] },
        },
      },
    ]);
    const handler = createRotationHandler('postgres', {
      store: new SecretsManagerStore({ client: fake.client }),
      // The throwaway server has no TLS: the function is configured for that explicitly.
      env: { PG_SSL_MODE: 'disable', PG_CHECK_QUERY: 'select count(*) from pg_class' },
    });
    for (const Step of rotationSteps) {
      const event = { Step, SecretId: 'drillbook/postgres/app', ClientRequestToken: TOKEN };
      await handler(event);
      await handler(event);
    }
    const store = new SecretsManagerStore({ client: fake.client });
    const current = JSON.parse(
      (await store.getValue('drillbook/postgres/app', { stage: 'AWSCURRENT' })).value,
    );
    expect(current.username).toBe('lambda_app_clone');
    const login = { ...connection, database: 'postgres', sslMode: 'disable' as const };
    expect(
      await testLogin({ ...login, user: current.username, password: current.password }, 'select 1'),
    ).toBe(1);
    expect(
      await testLogin({ ...login, user: 'lambda_app', password: 'initial-password-1' }, 'select 1'),
    ).toBe(1);
    expect((await store.describe('drillbook/postgres/app')).versions).toEqual({
      v1: ['AWSPREVIOUS'],
      [TOKEN]: ['AWSCURRENT'],
    });
  });
});
