import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { functionHandlers } from '../../bin/functionHandlers.js';
import type { Report } from '../../lib/core/report.js';
import { runStateMachine } from '../../lib/local/stateMachineRunner.js';
import { connectNats } from '../../lib/nats/connection.js';
import { withClient } from '../../lib/pg/connection.js';
import { ensureStream } from '../../lib/projections/contactsSeed.js';
import { publishDemoEvents, writeProjectionAt } from '../helpers/contactsDemo.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../helpers/nats.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { FakeRds } from './fakeRds.js';
import { awsSection } from './rdsFixtures.js';

/**
 * The restore-drill ASL run locally with the real handlers, the catch-up state included: the fake
 * RDS really restores the source (a real base backup and point-in-time restore into its own server,
 * whose projection is at checkpoint 200), the live projection is another real database at 300, the
 * stream a real nats-server holding 1..300.
 */
cleanupPostgresAfterAll();
cleanupNatsAfterAll();

let pg: ThrowawayPostgres;
let nats: ThrowawayNats;
let runbook: string;
let fake: FakeRds;
let liveUrl: string;

const tables = { table: 'public.contacts_projection', checkpointTable: 'public.projection_checkpoints' };

beforeAll(async () => {
  [pg, nats] = await Promise.all([startPostgres(), startNats()]);
  await withClient(pg.url(), async (c) => {
    await c.query('CREATE DATABASE live');
    await c.query(`CREATE TABLE public.customers (id int PRIMARY KEY, email text)`);
    await c.query(
      `INSERT INTO public.customers SELECT g, 'person' || g || '@example.com' FROM generate_series(1, 5) g`,
    );
  });
  const live = new URL(pg.url());
  live.pathname = '/live';
  liveUrl = live.toString();
  await ensureStream(nats.url, 'CONTACTS', 'contacts');
  await publishDemoEvents(nats.url, 'contacts', 1, 300);
  // The database restored from the backup holds the projection at 200; production is at 300.
  await writeProjectionAt(pg.url(), 200, tables);
  await writeProjectionAt(liveUrl, 300, tables);
}, 120_000);

function configure(catchUp: boolean): void {
  process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify({
    systems: [
      {
        name: 'shop',
        database: { sourceUrl: pg.url() },
        restore: {
          masking: [{ table: 'public.customers', column: 'email', strategy: 'email' }],
          ...(catchUp
            ? {
                catchUp: {
                  liveUrl,
                  connectTimeoutSeconds: 10,
                  projections: [{ stream: 'CONTACTS', projection: 'contacts', ...tables }],
                },
              }
            : {}),
        },
        nats: { url: nats.url },
        aws: { ...awsSection(), waits: { snapshotTimeoutMinutes: 5, restoreTimeoutMinutes: 5 } },
      },
    ],
    runbook: { dir: runbook },
  });
}

beforeEach(() => {
  runbook = mkdtempSync(join(tmpdir(), 'drillbook-sfn-catch-up-'));
  process.env['DRILLBOOK_RUNBOOK_DIR'] = runbook;
  fake = new FakeRds(pg);
});

afterEach(async () => {
  await fake.close();
  rmSync(runbook, { recursive: true, force: true });
});

afterAll(() => {
  delete process.env['DRILLBOOK_CONFIG_JSON'];
  delete process.env['DRILLBOOK_RUNBOOK_DIR'];
});

const fast = { handlers: functionHandlers, waitMs: 0, retryMs: 0 };

function drillReport(): Report {
  const dir = join(runbook, 'reports', 'restore-drill');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.json') ? [join(d, e.name)] : [],
    );
  const [file] = walk(dir);
  return JSON.parse(readFileSync(file!, 'utf8')) as Report;
}

async function backupThenDrill(name: string) {
  await runStateMachine('backup', {}, { ...fast, executionName: `backup-${name}` });
  return runStateMachine('restore-drill', {}, { ...fast, executionName: name });
}

describe('restore-drill state machine with the catch-up state', () => {
  it('catches the restored read model up from the stream to production, then masks, and reports the service RTO', async () => {
    configure(true);
    const run = await backupThenDrill('drill-catch-up');
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    expect(
      run.path.slice(run.path.indexOf('RestoreDrillVerify'), run.path.indexOf('RestoreDrillVerify') + 4),
    ).toEqual(['RestoreDrillVerify', 'CatchUpConfigured', 'RestoreDrillCatchUp', 'RestoreDrillTeardown']);
    const report = drillReport();
    expect(report.catchUp).toMatchObject({ stream: 'CONTACTS', fromSeq: 201, toSeq: 300, events: 100 });
    expect(report.catchUp?.digest).toBe(report.catchUp?.liveDigest);
    expect(report.objectives?.serviceRtoSeconds).toBe(report.catchUp?.serviceRtoSeconds);
    expect(report.objectives?.serviceRtoSeconds).not.toBeNull();
    expect(report.checks.find((c) => c.name === 'catch-up contacts: digest: live projection')?.outcome).toBe(
      'passed',
    );
    const names = report.phases.map((p) => p.name);
    expect(names.indexOf('catch-up')).toBeGreaterThan(names.indexOf('verify-target'));
    expect(names.indexOf('mask')).toBe(names.indexOf('catch-up') + 1);
    expect(report.checks.find((c) => c.name === 'pii-masking')?.outcome).toBe('passed');
  });

  it('skips the state when no catch-up is configured', async () => {
    configure(false);
    const run = await backupThenDrill('drill-no-catch-up');
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    expect(run.path).toContain('CatchUpConfigured');
    expect(run.path).not.toContain('RestoreDrillCatchUp');
    expect(drillReport().catchUp).toBeUndefined();
  });

  it('fails the execution naming the retention check when the stream lost events after the restored checkpoint', async () => {
    configure(true);
    const nc = await connectNats(nats.url);
    await (await jetstreamManager(nc)).streams.purge('CONTACTS', { seq: 230 });
    await nc.close();
    const error = await backupThenDrill('drill-catch-up-gap').catch((e: unknown) => e);
    expect(String(error)).toMatch(/drill report says failed/);
    const check = drillReport().checks.find(
      (c) => c.name === 'catch-up contacts: log: retention covers the base state',
    );
    expect(check).toMatchObject({ outcome: 'failed' });
    expect(check?.detail).toContain('retention gap: the stream starts at 230, the newest state is at 200');
  });
});
