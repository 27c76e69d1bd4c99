import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { nkeys } from '@nats-io/transport-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  replayEnvironmentForInvocation,
  replayEnvironmentFromConfig,
} from '../../../lib/aws/replay/replayRuntime.js';
import { parseConfig } from '../../../lib/drillbookConfig.js';
import { runReplayRequest } from '../../../lib/jobs/replay/replayRequest.js';
import { ensureStream, publishEvents, seedContactsDemo } from '../../../lib/projections/contactsSeed.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../../helpers/nats.js';

/**
 * The replay rehearsal's NATS login and Postgres endpoint come from the config and Secrets Manager
 * at invocation: a real nats-server that requires a login (user/password and nkey users), the
 * Secrets Manager API mocked with its real response shape.
 */
cleanupNatsAfterAll();

const secrets = mockClient(SecretsManagerClient);
const user = nkeys.createUser();
const seed = new TextDecoder().decode(user.getSeed());
let nats: ThrowawayNats;
let digest = '';
let runbook: string;
const secretValues = new Map<string, string>();

beforeAll(async () => {
  nats = await startNats({
    config: `authorization { users = [
      { user: "replay", password: "replay-pw-1" },
      { nkey: "${user.getPublicKey()}" }
    ] }`,
  });
  ({ digest } = await seedContactsDemo({
    natsUrl: nats.url,
    natsAuth: { kind: 'user', user: 'replay', pass: 'replay-pw-1' },
    events: 60,
    contacts: 6,
  }));
});
afterAll(() => secrets.restore());

beforeEach(() => {
  runbook = mkdtempSync(join(tmpdir(), 'drillbook-replay-aws-'));
  secretValues.clear();
  secrets.reset();
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = secretValues.get(input.SecretId);
    if (value === undefined) {
      throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${input.SecretId}-AbCdEf`,
      Name: input.SecretId,
      VersionId: 'a1b2c3d4-0000-4000-8000-000000000000',
      SecretString: value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-01-01T00:00:00Z'),
    };
  });
  return () => rmSync(runbook, { recursive: true, force: true });
});

function config(system: Record<string, unknown>) {
  return parseConfig({
    systems: [{ name: 'shop', database: { sourceUrl: 'postgresql://db/shop' }, ...system }],
    runbook: { s3: { bucket: 'ops-runbook' } },
  });
}

async function rehearse(cfg: ReturnType<typeof config>, runId: string) {
  const env = await replayEnvironmentFromConfig(undefined, {
    config: cfg,
    env: { DRILLBOOK_RUNBOOK_DIR: runbook },
  });
  return runReplayRequest({ stream: 'CONTACTS', projection: 'contacts', expectDigest: digest }, runId, env);
}

describe('replay rehearsal environment from config (AWS)', () => {
  it('logs in to NATS with user and password read from Secrets Manager at run time', async () => {
    secretValues.set('drillbook/nats', JSON.stringify({ user: 'replay', password: 'replay-pw-1' }));
    const cfg = config({ nats: { url: nats.url, credentialsSecretId: 'drillbook/nats' } });
    const { report } = await rehearse(cfg, 'with-password');
    expect(report.outcome).toBe('passed');
    expect(report.replay?.digest).toBe(digest);
    expect(report.system).toBe('shop');
    expect(JSON.stringify(report)).not.toContain('replay-pw-1');
  });

  it('logs in with a user nkey seed stored as the bare secret', async () => {
    secretValues.set('drillbook/nats-nkey', seed);
    const cfg = config({ nats: { url: nats.url, credentialsSecretId: 'drillbook/nats-nkey' } });
    const { report } = await rehearse(cfg, 'with-nkey');
    expect(report.outcome).toBe('passed');
  });

  it('builds the replay Postgres URL from the secret (verify-full by default), no URL in the environment', async () => {
    secretValues.set('drillbook/nats', JSON.stringify({ user: 'replay', password: 'replay-pw-1' }));
    secretValues.set(
      'shop/replay-db',
      JSON.stringify({
        username: 'reader',
        password: 'p@ss/w0rd',
        host: 'shop.c9akciq32.eu-west-1.rds.amazonaws.com',
        port: 5432,
        dbname: 'shop',
        engine: 'postgres',
      }),
    );
    const cfg = config({
      nats: { url: nats.url, credentialsSecretId: 'drillbook/nats' },
      replay: { secretId: 'shop/replay-db' },
    });
    const env = await replayEnvironmentFromConfig(undefined, { config: cfg, env: {} });
    const url = new URL(env.pgUrl!);
    expect(url.hostname).toBe('shop.c9akciq32.eu-west-1.rds.amazonaws.com');
    expect(url.pathname).toBe('/shop');
    expect(decodeURIComponent(url.username)).toBe('reader');
    expect(decodeURIComponent(url.password)).toBe('p@ss/w0rd');
    expect(url.searchParams.get('sslmode')).toBe('verify-full');
    expect(env.natsAuth).toEqual({ kind: 'user', user: 'replay', pass: 'replay-pw-1' });
  });

  it('names the config field of a secret that holds no login, without its value', async () => {
    secretValues.set('drillbook/nats', JSON.stringify({ hint: 'do-not-print-me' }));
    secretValues.set('shop/replay-db', JSON.stringify({ username: 'reader', password: 'x' }));
    const natsOnly = config({ nats: { url: nats.url, credentialsSecretId: 'drillbook/nats' } });
    const error = await replayEnvironmentFromConfig(undefined, { config: natsOnly, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(
      /^ConfigError: systems\.0\.nats\.credentialsSecretId: secret drillbook\/nats holds no NATS login/,
    );
    expect(String(error)).not.toContain('do-not-print-me');

    secretValues.set('drillbook/nats', JSON.stringify({ token: 't0ken' }));
    const withDb = config({
      nats: { url: nats.url, credentialsSecretId: 'drillbook/nats' },
      replay: { secretId: 'shop/replay-db' },
    });
    await expect(replayEnvironmentFromConfig(undefined, { config: withDb, env: {} })).rejects.toThrow(
      /^systems\.0\.replay\.secretId: secret shop\/replay-db lacks a valid "host"/,
    );
  });

  it('the deployed handler prefers the config and falls back to the old variables without a nats section', async () => {
    const withNats = JSON.stringify({
      systems: [
        {
          name: 'shop',
          database: { sourceUrl: 'postgresql://db/shop' },
          nats: { url: 'nats://nats.internal:4222' },
        },
      ],
      runbook: { s3: { bucket: 'ops-runbook' } },
    });
    const fromConfig = await replayEnvironmentForInvocation(undefined, {
      DRILLBOOK_CONFIG_JSON: withNats,
      DRILLBOOK_NATS_URL: 'nats://ignored:4222',
      DRILLBOOK_RUNBOOK_DIR: runbook,
    });
    expect(fromConfig.natsUrl).toBe('nats://nats.internal:4222');
    const legacy = await replayEnvironmentForInvocation(undefined, {
      DRILLBOOK_NATS_URL: 'nats://legacy:4222',
      DRILLBOOK_RUNBOOK_DIR: runbook,
    });
    expect(legacy.natsUrl).toBe('nats://legacy:4222');
  });

  it("rehearses the configured stream with the user's own projection module when the input names neither", async () => {
    secretValues.set('drillbook/nats', JSON.stringify({ user: 'replay', password: 'replay-pw-1' }));
    const auth = { kind: 'user', user: 'replay', pass: 'replay-pw-1' } as const;
    await ensureStream(nats.url, 'ORDERS', 'orders', auth);
    const orders = Array.from({ length: 30 }, (_, i) => ({
      type: 'OrderPlaced',
      id: `o-${i}`,
      customer: `c-${i % 4}`,
      cents: 100 + i,
    }));
    await publishEvents(nats.url, 'orders', orders, 100, auth);
    const cfg = config({
      nats: { url: nats.url, credentialsSecretId: 'drillbook/nats' },
      streams: [
        {
          stream: 'ORDERS',
          projection: 'orders',
          projectionModule: './test/fixtures/projections/orders.mjs',
        },
        { stream: 'CONTACTS', projection: 'contacts' },
      ],
    });
    const env = await replayEnvironmentFromConfig(undefined, {
      config: cfg,
      env: { DRILLBOOK_RUNBOOK_DIR: runbook, LAMBDA_TASK_ROOT: process.cwd() },
    });
    const { report } = await runReplayRequest({}, 'scheduled-orders', env);
    expect(report.outcome).toBe('passed');
    expect(report.replay).toMatchObject({ stream: 'ORDERS', events: 30, schemaViolations: 0 });
    expect(report.details?.['projection']).toBe('orders');
    // Naming the stream picks that entry's projection.
    const contacts = await runReplayRequest(
      { stream: 'CONTACTS', expectDigest: digest },
      'contacts-by-name',
      env,
    );
    expect(contacts.report.outcome).toBe('passed');
  });

  it('names the streams entry whose projection module cannot be used', async () => {
    const broken = (projectionModule: string, projection = 'orders') =>
      replayEnvironmentFromConfig(undefined, {
        config: config({
          nats: { url: nats.url },
          streams: [{ stream: 'ORDERS', projection, projectionModule }],
        }),
        env: { DRILLBOOK_RUNBOOK_DIR: runbook, LAMBDA_TASK_ROOT: process.cwd() },
      });
    await expect(broken('./test/fixtures/projections/missing.mjs')).rejects.toThrow(
      /^systems\.0\.streams\.0\.projectionModule: cannot load/,
    );
    await expect(broken('./test/fixtures/projections/orders.mjs', 'invoices')).rejects.toThrow(
      /exports projection "orders", not "invoices"/,
    );
    await expect(
      replayEnvironmentFromConfig(undefined, {
        config: config({ nats: { url: nats.url }, streams: [{ stream: 'ORDERS' }] }),
        env: {},
      }),
    ).rejects.toThrow(/^systems\.0\.streams\.0\.projection: /);
  });
});
