import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotationDisabledError, RotationStateError } from '../../../lib/core/rotation/errors.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, rotationSteps } from '../../../lib/core/rotation/stages.js';
import { setupLocalPostgresSecret } from '../../../lib/demo/localRotationDemo.js';
import { runRotationStep } from '../../../lib/jobs/rotation/engine.js';
import { postgresStrategy } from '../../../lib/jobs/rotation/postgresStrategy.js';
import { rotateSecret } from '../../../lib/jobs/rotation/rotateSecret.js';
import { FileSecretStore } from '../../../lib/local/fileSecretStore.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { PgConnectError, testLogin } from '../../../lib/pg/rotatePostgresRole.js';
import type { SecretStore } from '../../../lib/ports.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

cleanupPostgresAfterAll();

interface Creds {
  host: string;
  port: number;
  dbname: string;
  username: string;
  password: string;
}

let server: ThrowawayPostgres;
let dir: string;
const opened: pg.Client[] = [];

async function connect(creds: Creds): Promise<pg.Client> {
  const client = new pg.Client({
    host: creds.host,
    port: creds.port,
    database: creds.dbname,
    user: creds.username,
    password: creds.password,
    ssl: false,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => {});
  await client.connect();
  opened.push(client);
  return client;
}

async function canLogin(creds: Creds): Promise<boolean> {
  try {
    await testLogin(
      {
        host: creds.host,
        port: creds.port,
        database: creds.dbname,
        user: creds.username,
        password: creds.password,
        sslMode: 'disable',
      },
      'select 1',
    );
    return true;
  } catch (error) {
    if (error instanceof PgConnectError) return false;
    throw error;
  }
}

const localTls = { sslMode: 'disable' as const, checkQuery: 'select current_user', connectTimeoutSeconds: 5 };

async function fixture(name: string, role: string) {
  const store = new FileSecretStore(join(dir, `${name}.json`));
  const runbook = new FolderRunbookStore(join(dir, `runbook-${name}`));
  const { secretId } = await setupLocalPostgresSecret({
    adminUrl: server.url(),
    store,
    secretId: name,
    role,
  });
  const strategy = postgresStrategy(localTls, store);
  const current = async (): Promise<Creds> =>
    JSON.parse((await store.getValue(secretId, { stage: AWSCURRENT })).value);
  return { store, runbook, secretId, strategy, current };
}

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'drillbook-rotation-'));
});

afterAll(async () => {
  for (const c of opened) await c.end().catch(() => {});
});

describe('Postgres rotation with alternating users (real Postgres)', () => {
  it('keeps old connections working and moves new logins to the other role with a new password', async () => {
    const f = await fixture('full', 'app');
    const before = await f.current();
    const oldSession = await connect(before);

    const first = await rotateSecret(
      { secretId: f.secretId, system: 'test', environment: 'local' },
      { store: f.store, strategy: f.strategy, start: (id) => f.store.startRotation(id), runbook: f.runbook },
    );
    expect(first.report.outcome).toBe('passed');
    const after = await f.current();
    expect(after.username).toBe('app_clone');
    expect(after.password).not.toBe(before.password);
    expect(await canLogin(after)).toBe(true);
    // The old session and the old credentials (now AWSPREVIOUS) keep working.
    expect((await oldSession.query('select current_user as u')).rows[0].u).toBe('app');
    expect(await canLogin(before)).toBe(true);
    const previous = JSON.parse((await f.store.getValue(f.secretId, { stage: AWSPREVIOUS })).value);
    expect(previous.username).toBe('app');

    // The next rotation comes back to "app" with a new password: the oldest password stops working.
    const second = await rotateSecret(
      { secretId: f.secretId, system: 'test', environment: 'local' },
      { store: f.store, strategy: f.strategy, start: (id) => f.store.startRotation(id), runbook: f.runbook },
    );
    expect(second.report.outcome).toBe('passed');
    const third = await f.current();
    expect(third.username).toBe('app');
    expect(await canLogin(third)).toBe(true);
    expect(await canLogin(before)).toBe(false);
    expect(await canLogin(after)).toBe(true);
    expect((await oldSession.query('select 1 as one')).rows[0].one).toBe(1);
    const description = await f.store.describe(f.secretId);
    expect(description.lastRotatedDate).not.toBeNull();
    expect(Object.values(description.versions).flat()).not.toContain(AWSPENDING);
  });

  it('gives the same result when every step runs twice (redelivery)', async () => {
    const f = await fixture('twice', 'twice');
    const { token } = await f.store.startRotation(f.secretId);
    const snapshots: string[] = [];
    for (const step of rotationSteps) {
      const event = { Step: step, SecretId: f.secretId, ClientRequestToken: token };
      await runRotationStep(event, { store: f.store, strategy: f.strategy, log: () => {} });
      const once = readFileSync(f.store.file, 'utf8');
      const again = await runRotationStep(event, { store: f.store, strategy: f.strategy, log: () => {} });
      const twice = readFileSync(f.store.file, 'utf8');
      expect(twice, `${step} run twice changed the store`).toBe(once);
      if (step !== 'setSecret' && step !== 'testSecret') expect(again).not.toBe('done');
      snapshots.push(twice);
    }
    const current = await f.current();
    expect(current.username).toBe('twice_clone');
    expect(await canLogin(current)).toBe(true);
    const versions = (await f.store.describe(f.secretId)).versions;
    expect(versions[token]).toEqual([AWSCURRENT]);
    // A step redelivered after the rotation finished is a no-op.
    const late = await runRotationStep(
      { Step: 'setSecret', SecretId: f.secretId, ClientRequestToken: token },
      { store: f.store, strategy: f.strategy, log: () => {} },
    );
    expect(late).toBe('skipped-token-current');
  });

  it('ends consistent when a failure after setSecret is followed by a resumed rotation', async () => {
    const f = await fixture('resume', 'resume');
    const before = await f.current();
    const failed = await rotateSecret(
      { secretId: f.secretId, system: 'test', environment: 'local' },
      {
        store: f.store,
        strategy: f.strategy,
        start: (id) => f.store.startRotation(id),
        runbook: f.runbook,
        afterStep: (step) => {
          if (step === 'setSecret') throw new Error('injected crash after setSecret');
        },
      },
    );
    expect(failed.report.outcome).toBe('failed');
    expect(failed.report.reason).toContain('injected crash');
    // Nothing switched yet: the current credentials still work, the rotation is left pending.
    expect((await f.current()).password).toBe(before.password);
    expect(await canLogin(before)).toBe(true);
    const stuckToken = failed.report.details?.['token'];

    const resumed = await rotateSecret(
      { secretId: f.secretId, system: 'test', environment: 'local' },
      { store: f.store, strategy: f.strategy, start: (id) => f.store.startRotation(id), runbook: f.runbook },
    );
    expect(resumed.report.outcome).toBe('passed');
    expect(resumed.report.details?.['resumed']).toBe(true);
    expect(resumed.report.details?.['token']).toBe(stuckToken);
    const after = await f.current();
    expect(after.username).toBe('resume_clone');
    expect(await canLogin(after)).toBe(true);
    expect(await canLogin(before)).toBe(true);
    const versions = (await f.store.describe(f.secretId)).versions;
    expect(Object.values(versions).flat().sort()).toEqual([AWSCURRENT, AWSPREVIOUS]);
  });

  it.each(['createSecret', 'testSecret'] as const)(
    'ends consistent when the rotation crashes after %s and is resumed',
    async (crashAfter) => {
      const f = await fixture(`crash-${crashAfter}`, `crash_${crashAfter.toLowerCase()}`);
      const before = await f.current();
      const failed = await rotateSecret(
        { secretId: f.secretId, system: 'test', environment: 'local' },
        {
          store: f.store,
          strategy: f.strategy,
          start: (id) => f.store.startRotation(id),
          runbook: f.runbook,
          afterStep: (step) => {
            if (step === crashAfter) throw new Error(`injected crash after ${step}`);
          },
        },
      );
      expect(failed.report.outcome).toBe('failed');
      expect((await f.current()).password).toBe(before.password);
      const resumed = await rotateSecret(
        { secretId: f.secretId, system: 'test', environment: 'local' },
        {
          store: f.store,
          strategy: f.strategy,
          start: (id) => f.store.startRotation(id),
          runbook: f.runbook,
        },
      );
      expect(resumed.report.outcome).toBe('passed');
      expect(resumed.report.details?.['token']).toBe(failed.report.details?.['token']);
      const after = await f.current();
      expect(await canLogin(after)).toBe(true);
      expect(await canLogin(before)).toBe(true);
      expect(after.username).not.toBe(before.username);
      const versions = (await f.store.describe(f.secretId)).versions;
      expect(Object.values(versions).flat().sort()).toEqual([AWSCURRENT, AWSPREVIOUS]);
    },
  );

  it('converges when finishSecret crashes between its label moves and is redelivered', async () => {
    const f = await fixture('crash-finish', 'crash_finish');
    const { token } = await f.store.startRotation(f.secretId);
    // The crash: the first label move lands, then the process dies before its next call.
    let moved = false;
    let crashed = false;
    const flaky: SecretStore = {
      describe: async (id) => {
        if (moved && !crashed) {
          crashed = true;
          throw new Error('injected crash between the finishSecret label moves');
        }
        return f.store.describe(id);
      },
      getValue: (id, select) => f.store.getValue(id, select),
      putValue: (id, v, value, stages) => f.store.putValue(id, v, value, stages),
      list: (filter) => f.store.list(filter),
      updateStage: async (id, move) => {
        await f.store.updateStage(id, move);
        moved = true;
      },
    };
    const deps = { store: flaky, strategy: f.strategy, log: () => {} };
    for (const step of rotationSteps.slice(0, 3)) {
      await runRotationStep({ Step: step, SecretId: f.secretId, ClientRequestToken: token }, deps);
    }
    const finish = { Step: 'finishSecret' as const, SecretId: f.secretId, ClientRequestToken: token };
    await expect(runRotationStep(finish, deps)).rejects.toThrow(/injected crash/);
    expect((await f.store.describe(f.secretId)).versions[token]?.sort()).toEqual([AWSCURRENT, AWSPENDING]);
    expect(await runRotationStep(finish, deps)).toBe('done');
    const versions = (await f.store.describe(f.secretId)).versions;
    expect(versions[token]).toEqual([AWSCURRENT]);
    expect(Object.values(versions).flat().sort()).toEqual([AWSCURRENT, AWSPREVIOUS]);
    expect(await canLogin(await f.current())).toBe(true);
  });

  it('quotes role names: a username with quotes and SQL rotates and injects nothing', async () => {
    const evil = `q'u"ote; drop role drillbook; --`;
    const f = await fixture('quotes', evil);
    const result = await rotateSecret(
      { secretId: f.secretId, system: 'test', environment: 'local' },
      { store: f.store, strategy: f.strategy, start: (id) => f.store.startRotation(id), runbook: f.runbook },
    );
    expect(result.report.outcome).toBe('passed');
    const after = await f.current();
    expect(after.username).toBe(`${evil}_clone`);
    expect(await canLogin(after)).toBe(true);
    const roles = await server.cluster.query<{ rolname: string }>(
      'select rolname from pg_roles where rolname = any($1) order by rolname',
      [['drillbook', evil, `${evil}_clone`]],
    );
    expect(roles.map((r) => r.rolname).sort()).toEqual(['drillbook', evil, `${evil}_clone`].sort());
  });

  it('refuses a token that is not AWSPENDING and a secret whose rotation is disabled', async () => {
    const f = await fixture('refuse', 'refuse');
    const currentVersion = Object.entries((await f.store.describe(f.secretId)).versions).find(([, s]) =>
      s.includes(AWSCURRENT),
    )![0];
    const { token } = await f.store.startRotation(f.secretId);
    const deps = { store: f.store, strategy: f.strategy, log: () => {} };
    await expect(
      runRotationStep(
        { Step: 'createSecret', SecretId: f.secretId, ClientRequestToken: 'not-a-version' },
        deps,
      ),
    ).rejects.toBeInstanceOf(RotationStateError);
    // The AWSCURRENT version is not a rotation token: steps do nothing for it.
    expect(
      await runRotationStep(
        { Step: 'createSecret', SecretId: f.secretId, ClientRequestToken: currentVersion },
        deps,
      ),
    ).toBe('skipped-token-current');
    await f.store.setRotationEnabled(f.secretId, false);
    await expect(
      runRotationStep({ Step: 'createSecret', SecretId: f.secretId, ClientRequestToken: token }, deps),
    ).rejects.toBeInstanceOf(RotationDisabledError);
  });

  it('refuses to connect without TLS when TLS is required, instead of falling back to plaintext', async () => {
    const f = await fixture('tls', 'tls');
    const before = await f.current();
    const strict = postgresStrategy({ ...localTls, sslMode: 'require' }, f.store);
    const result = await rotateSecret(
      { secretId: f.secretId, system: 'test', environment: 'local' },
      { store: f.store, strategy: strict, start: (id) => f.store.startRotation(id), runbook: f.runbook },
    );
    expect(result.report.outcome).toBe('failed');
    expect(result.report.reason).toMatch(/does not support SSL/);
    const pending = JSON.parse((await f.store.getValue(f.secretId, { stage: AWSPENDING })).value);
    // The pending password never reached the server: the connection was refused, not downgraded.
    expect(await canLogin(pending)).toBe(false);
    expect(await canLogin(before)).toBe(true);
    await expect(
      testLogin(
        {
          host: before.host,
          port: before.port,
          database: before.dbname,
          user: before.username,
          password: before.password,
          sslMode: 'verify-full',
        },
        'select 1',
      ),
    ).rejects.toThrow(/does not support SSL/);
  });
});
