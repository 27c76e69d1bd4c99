import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import validator from 'asl-validator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { functionHandlers } from '../../bin/functionHandlers.js';
import { backupCommand } from '../../lib/cli/commands/backup.js';
import { restoreDrillCommand } from '../../lib/cli/commands/restoreDrill.js';
import { runCommand } from '../../lib/cli/commands/run.js';
import type { Report } from '../../lib/core/report.js';
import { readDefinition, runStateMachine, stateMachineNames } from '../../lib/local/stateMachineRunner.js';
import { withClient } from '../../lib/pg/connection.js';
import { capturedContext } from '../helpers/commandContext.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { FakeRds } from './fakeRds.js';
import { awsSection, dbInstance, dbSnapshot, quotaExceeded, throttled } from './rdsFixtures.js';

/**
 * The real ASL files run locally (aws-local-stepfunctions) with every Task bound to the real
 * Lambda handler; the AWS API is mocked with real response shapes over real work (test/aws/fakeRds.ts):
 * the RDS source is a real throwaway Postgres, snapshots are real base backups of it, and a
 * restore is a real point-in-time restore into a new throwaway server on its own port, so
 * verification and masking run against a genuinely different Postgres from the source.
 */
cleanupPostgresAfterAll();

let pg: ThrowawayPostgres;
let runbook: string;
let fake: FakeRds;
let seeded: SourceRows;

function config(url: string) {
  return {
    systems: [
      {
        name: 'shop',
        database: { sourceUrl: url },
        restore: {
          checks: [{ name: 'orders-present', sql: 'SELECT count(*) > 0 FROM public.orders', expect: true }],
          masking: [{ table: 'public.customers', column: 'email', strategy: 'email' }],
        },
        aws: { ...awsSection(), waits: { snapshotTimeoutMinutes: 5, restoreTimeoutMinutes: 5 } },
      },
    ],
    runbook: { dir: runbook },
  };
}

interface SourceRows {
  orders: { id: number; total: string }[];
  customers: { id: number; email: string | null }[];
}

/** Every row of the tables a drill reads and masks, from the given server (default: the source). */
async function rowsAt(url: string): Promise<SourceRows> {
  return withClient(url, async (c) => ({
    orders: (await c.query('SELECT id, total::text FROM public.orders ORDER BY id')).rows,
    customers: (await c.query('SELECT id, email FROM public.customers ORDER BY id')).rows,
  }));
}

async function systemIdAt(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ id: string }>(
      'SELECT system_identifier::text AS id FROM pg_control_system()',
    );
    return rows[0]!.id;
  });
}

/** The staging server's URL with the source's login (a restore keeps the master user). */
function withSourceLogin(connectionString: string): string {
  const staging = new URL(connectionString);
  const source = new URL(pg.url());
  staging.username = source.username;
  staging.password = source.password;
  return staging.toString();
}

beforeAll(async () => {
  pg = await startPostgres();
  await withClient(pg.url(), async (c) => {
    await c.query(`CREATE TABLE public.orders (id int PRIMARY KEY, total numeric NOT NULL)`);
    await c.query(`INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 50) g`);
    await c.query(`CREATE TABLE public.customers (id int PRIMARY KEY, email text)`);
    await c.query(
      `INSERT INTO public.customers SELECT g, 'person' || g || '@example.com' FROM generate_series(1, 5) g`,
    );
  });
  seeded = await rowsAt(pg.url());
});

beforeEach(() => {
  runbook = mkdtempSync(join(tmpdir(), 'drillbook-sfn-'));
  process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify(config(pg.url()));
  process.env['DRILLBOOK_RUNBOOK_DIR'] = runbook;
  fake = new FakeRds(pg);
});

afterEach(async () => {
  await fake.close();
  rmSync(runbook, { recursive: true, force: true });
  // Whatever the drill did (restore, verification, masking, teardown), production is as seeded.
  expect(await rowsAt(pg.url())).toEqual(seeded);
});

afterAll(() => {
  delete process.env['DRILLBOOK_CONFIG_JSON'];
  delete process.env['DRILLBOOK_RUNBOOK_DIR'];
});

const fast = { handlers: functionHandlers, waitMs: 0, retryMs: 0 };

/** The manifest of a backup, as stored in the runbook folder. */
function manifestFile(backupId: string): { restorePoint: { time: string }; tables: { table: string }[] } {
  return JSON.parse(readFileSync(join(runbook, 'manifests', 'shop', `${backupId}.json`), 'utf8'));
}

function reports(kind: string): Report[] {
  const dir = join(runbook, 'reports', kind);
  const found: Report[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name.endsWith('.json'))
        found.push(JSON.parse(readFileSync(join(d, entry.name), 'utf8')));
    }
  };
  // No report of this kind yet: none. Anything else (a report that is not JSON) fails the test.
  if (!existsSync(dir)) return [];
  walk(dir);
  return found;
}

/** Runs a restore drill that must fail its execution; returns its (only) report. */
async function failedDrill(
  executionName: string,
  handlers = functionHandlers,
  input: object = {},
): Promise<Report | undefined> {
  const error = await runStateMachine('restore-drill', input, { ...fast, handlers, executionName }).catch(
    (e: unknown) => e,
  );
  expect(String(error)).toMatch(/drill report says failed/);
  expect(reports('restore-drill')).toHaveLength(1);
  return reports('restore-drill')[0];
}

/** `startTime` pins $$.Execution.StartTime (which names the day's snapshot), so runs can share a day. */
async function runBackupMachine(startTime?: Date) {
  return runStateMachine(
    'backup',
    {},
    {
      ...fast,
      executionName: `backup-${Date.now()}`,
      ...(startTime ? { startTime } : {}),
    },
  );
}

describe('state machine definitions', () => {
  for (const name of stateMachineNames) {
    it(`${name} is valid ASL and every Task names a handler`, () => {
      const definition = readDefinition(name);
      const result = validator(definition as never);
      expect(result.errorsText()).toBe('');
      expect(result.isValid).toBe(true);
      for (const state of Object.values(definition.States)) {
        if (state.Type !== 'Task') continue;
        const fn = (state.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        expect(functionHandlers[fn], fn).toBeTypeOf('function');
        expect(state.Retry?.[0]).toMatchObject({ JitterStrategy: 'FULL' });
        expect(state.Retry?.every((r) => (r.MaxAttempts ?? 3) <= 8)).toBe(true);
      }
    });
  }
});

describe('backup state machine', () => {
  it('snapshots, waits until available, captures the manifest at a held second and reports', async () => {
    const run = await runBackupMachine();
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    expect(run.path.filter((s) => s === 'BackupPoll').length).toBeGreaterThanOrEqual(2);
    expect(fake.calls.filter((c) => c === 'CreateDBSnapshot')).toHaveLength(1);

    const [report] = reports('backup');
    expect(report?.outcome).toBe('passed');
    expect(report?.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['heartbeat', 'manifest', 'snapshot-status', 'pitr-health', 'retention']),
    );
    // The lag is measured against the source's LatestRestorableTime (the fake's newest shipped WAL).
    const pitr = report!.phases.find((p) => p.name === 'pitr-health')!;
    const restorable = fake.latestRestorableTime!.getTime();
    const lag = report?.details?.['restorableLagSeconds'] as number;
    expect(lag).toBeGreaterThanOrEqual((new Date(pitr.startedAt).getTime() - restorable) / 1000);
    expect(lag).toBeLessThanOrEqual((new Date(pitr.finishedAt).getTime() - restorable) / 1000);
    const id = report?.details?.['backupId'] as string;
    expect(id).toMatch(/^drillbook-shop-\d{8}$/);
    const manifest = JSON.parse(readFileSync(join(runbook, 'manifests', 'shop', `${id}.json`), 'utf8'));
    expect(manifest.restorePoint.time).toMatch(/T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(manifest.tables.map((t: { table: string }) => t.table)).toEqual([
      'public.customers',
      'public.orders',
    ]);
  });

  it('reports a snapshot quota clearly, without retrying it, and fails the execution', async () => {
    fake.failNext('CreateDBSnapshot', 1, quotaExceeded);
    const error = await runBackupMachine().catch((e: unknown) => e);
    expect(String(error)).toMatch(/backup report says failed/);
    expect(fake.calls.filter((c) => c === 'CreateDBSnapshot')).toHaveLength(1);
    const [report] = reports('backup');
    expect(report?.outcome).toBe('failed');
    expect(report?.reason).toMatch(
      /snapshot quota exceeded in eu-west-1: cannot create drillbook-shop-\d{8}/,
    );
    expect(report?.phases.map((p) => [p.name, p.outcome])).toEqual([
      ['heartbeat', 'passed'],
      ['base-backup', 'failed'],
    ]);
  });

  it('a second run the same day reuses the snapshot instead of making another', async () => {
    // One start time for both: without it the two runs straddle UTC midnight now and then.
    const startTime = new Date();
    await runBackupMachine(startTime);
    await runBackupMachine(startTime);
    expect(fake.calls.filter((c) => c === 'CreateDBSnapshot')).toHaveLength(1);
    expect(reports('backup').every((r) => r.outcome === 'passed')).toBe(true);
  });
});

describe('drillbook run (the CLI command)', () => {
  it('runs backup then restore-drill from a config file with the real handlers and exits 0', async () => {
    const file = join(runbook, 'drillbook.json');
    writeFileSync(file, process.env['DRILLBOOK_CONFIG_JSON']!);
    const { ctx, out, steps } = capturedContext();
    const common = ['--config', file, '--runbook', runbook, '--wait-seconds', '0'];
    expect(await runCommand.run(['backup', '--input', '{}', ...common], ctx)).toBe(0);
    expect(
      await runCommand.run(['restore-drill', '--input', '{"mask":false}', ...common, '--json'], ctx),
    ).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ result: { outcome: 'passed' } });
    expect(steps).toContain('restore-drill: RestoreDrillTeardown (Task)');
    expect(reports('restore-drill')[0]?.phases.find((p) => p.name === 'mask')?.outcome).toBe('skipped');
  });
});

describe('backup and restore-drill with --target aws', () => {
  it('run the deployed workflows through the job commands, as drillbook run does', async () => {
    const file = join(runbook, 'drillbook.json');
    writeFileSync(file, process.env['DRILLBOOK_CONFIG_JSON']!);
    const { ctx, out, steps } = capturedContext();
    const common = ['--target', 'aws', '--config', file, '--runbook', runbook, '--wait-seconds', '0'];
    const drillsBefore = reports('restore-drill').length;
    expect(await backupCommand.run(common, ctx)).toBe(0);
    expect(await restoreDrillCommand.run([...common, '--no-mask', '--json'], ctx)).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ result: { outcome: 'passed' } });
    expect(steps).toContain('restore-drill: RestoreDrillTeardown (Task)');
    expect(reports('restore-drill')).toHaveLength(drillsBefore + 1);
  });
});

describe('redelivered steps', () => {
  it('a report step delivered twice stores one report and answers the same both times', async () => {
    const start = { input: {}, executionName: 'redelivery', startTime: new Date().toISOString() };
    const state = await functionHandlers['backupStart']!(start, {});
    const event = {
      input: {},
      state,
      error: { Error: 'States.Timeout', Cause: 'the finish step timed out' },
    };
    const first = (await functionHandlers['backupFailed']!(event, {})) as {
      reportId: string;
      outcome: string;
    };
    const second = (await functionHandlers['backupFailed']!(event, {})) as {
      reportId: string;
      outcome: string;
    };
    expect(second.reportId).toBe(first.reportId);
    expect(first.outcome).toBe('failed');
    expect(reports('backup')).toHaveLength(1);
    expect(reports('backup')[0]?.reason).toMatch(/States.Timeout: the finish step timed out/);
  });
});

describe('restore drill state machine', () => {
  it('restores a real copy at the manifest point, verifies it, masks it (not the source) and tears it down', async () => {
    await runBackupMachine();
    const backupId = reports('backup')[0]?.details?.['backupId'] as string;
    const manifest = manifestFile(backupId);
    const [beat] = await withClient(
      pg.url(),
      async (c) => (await c.query<{ at: Date }>('SELECT beat_at AS at FROM public.drillbook_heartbeat')).rows,
    );
    // What staging holds just before teardown removes it.
    let seen: { rows: SourceRows; port: number; systemId: string } | undefined;
    const handlers = {
      ...functionHandlers,
      restoreDrillTeardown: async (event: unknown, context: object) => {
        const staging = (event as { state: { staging: { connectionString: string } } }).state.staging;
        const url = withSourceLogin(staging.connectionString);
        seen = { rows: await rowsAt(url), port: Number(new URL(url).port), systemId: await systemIdAt(url) };
        return functionHandlers['restoreDrillTeardown']!(event, context);
      },
    };
    const before = Date.now();
    const run = await runStateMachine(
      'restore-drill',
      {},
      { ...fast, handlers, executionName: 'drill-happy' },
    );
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    const [report] = reports('restore-drill');
    expect(report?.outcome).toBe('passed');
    expect(report?.checks.find((c) => c.name === 'checksums')?.outcome).toBe('passed');
    expect(report?.checks.find((c) => c.name === 'pii-masking')).toMatchObject({
      outcome: 'passed',
      detail: 'public.customers.email (email): 5 rows',
    });

    // One real restore, to the manifest file's point, from the snapshot's base backup, on another server.
    expect(fake.restores).toHaveLength(1);
    const restore = fake.restores[0]!;
    expect(restore.id).toMatch(/^drillbook-drill-shop-[0-9a-f]{10}$/);
    expect(restore.restoreTime?.toISOString()).toBe(manifest.restorePoint.time);
    expect(report?.details?.['recoveryTargetUsed']).toBe(manifest.restorePoint.time);
    expect(restore.base).toBe(backupId);
    expect(seen?.port).toBe(restore.port);
    expect(seen?.port).not.toBe(pg.cluster.port);
    // A physical copy: the same database system identifier as the source (so the masking guard
    // cannot tell them apart by it, and compares endpoints instead).
    expect(seen?.systemId).toBe(await systemIdAt(pg.url()));
    // Staging held the source's rows, with every email masked; the source kept its own (afterEach).
    expect(seen?.rows.orders).toEqual(seeded.orders);
    expect(seen?.rows.customers.map((c) => c.id)).toEqual(seeded.customers.map((c) => c.id));
    for (const [i, c] of (seen?.rows.customers ?? []).entries()) {
      expect(c.email).not.toBe(seeded.customers[i]!.email);
      expect(c.email).toMatch(/@/);
    }
    expect(fake.deleted).toEqual([`db:${restore.id}`]);
    await fake.idle();
    expect(fake.instances.has(restore.id)).toBe(false);
    await expect(rowsAt(withSourceLogin(`postgresql://127.0.0.1:${restore.port}/postgres`))).rejects.toThrow(
      /ECONNREFUSED/,
    );

    // RPO: the manifest point minus the heartbeat the backup wrote (the newest in the copy).
    const point = new Date(manifest.restorePoint.time).getTime();
    expect(report?.objectives?.rpoSeconds).toBe((point - beat!.at.getTime()) / 1000);
    // RTO: the drill's start to the end of verification (the restore inside it, teardown not).
    const phaseEnd = (name: string) =>
      new Date(report!.phases.find((p) => p.name === name)!.finishedAt).getTime();
    const started = new Date(report!.startedAt).getTime();
    expect(started).toBeGreaterThanOrEqual(before);
    expect(report?.objectives?.rtoSeconds).toBeCloseTo((phaseEnd('verify-target') - started) / 1000, 1);
    expect(report?.objectives?.rtoSeconds).toBeGreaterThan((phaseEnd('recover') - started) / 1000);
    expect(report?.objectives?.rtoSeconds).toBeLessThan((phaseEnd('teardown') - started) / 1000);
  });

  it('refuses to mask when the staging connection reaches the source, and fails the drill', async () => {
    await runBackupMachine();
    // The restore runs, but the instance it reports has the source's endpoint: tags alone pass.
    fake.restoredEndpointIsSource = true;
    const report = await failedDrill('drill-staging-is-source');
    expect(report?.phases.find((p) => p.name === 'mask')?.outcome).toBe('failed');
    expect(report?.reason).toBe(
      `refusing to write into staging ${fake.restores[0]!.id}: its connection 127.0.0.1:${pg.cluster.port} reaches the source instance shop-db (127.0.0.1:${pg.cluster.port})`,
    );
    expect(report?.checks.find((c) => c.name === 'pii-masking')).toBeUndefined();
    expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
    // The source's emails are as seeded: afterEach compares every row.
  });

  it("deletes an earlier drill's orphaned staging in its first step and reports it", async () => {
    await runBackupMachine();
    const orphan = 'drillbook-drill-shop-0badc0ffee';
    fake.addInstance(
      dbInstance(orphan, {
        InstanceCreateTime: new Date(Date.now() - 2 * 86_400_000),
        TagList: [
          { Key: 'drillbook:drill', Value: 'true' },
          { Key: 'drillbook:environment', Value: 'staging' },
          { Key: 'drillbook:system', Value: 'shop' },
          { Key: 'drillbook:drill-id', Value: 'killed-last-month' },
        ],
      }),
    );
    const run = await runStateMachine('restore-drill', {}, { ...fast, executionName: 'drill-after-a-kill' });
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    const check = reports('restore-drill')[0]?.checks.find((c) => c.name === 'orphaned-staging');
    expect(check).toMatchObject({
      outcome: 'passed',
      detail: expect.stringMatching(`^removed 1: ${orphan} `),
    });
    // The orphan went before the restore started; the source was never touched.
    expect(fake.deleted).toEqual([`db:${orphan}`, `db:${fake.restores[0]!.id}`]);
    expect(fake.calls.indexOf('DeleteDBInstance')).toBeLessThan(
      fake.calls.indexOf('RestoreDBInstanceToPointInTime'),
    );
  });

  it('fails without restoring anything when the stored manifest (HMAC-sealed) was changed, naming it', async () => {
    const raw = JSON.parse(process.env['DRILLBOOK_CONFIG_JSON']!);
    raw.systems[0].backup = { manifestKey: { secretId: 'drillbook/manifest-key' } };
    process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify(raw);
    await runBackupMachine();
    const [file] = readdirSync(join(runbook, 'manifests', 'shop'));
    const path = join(runbook, 'manifests', 'shop', file!);
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    expect(manifest.integrity).toMatchObject({
      keyId: 'drillbook/manifest-key',
      hmacSha256: expect.any(String),
    });
    manifest.tables[0].rows -= 1;
    writeFileSync(path, JSON.stringify(manifest));
    const report = await failedDrill('drill-tampered');
    const backupId = file!.replace(/\.json$/, '');
    expect(report?.checks.find((c) => c.name === 'manifest-integrity')).toEqual({
      name: 'manifest-integrity',
      outcome: 'failed',
      detail: `manifest of backup ${backupId} (runbook store manifests/shop/${file}) does not match its SHA-256 digest: it was changed after the backup`,
    });
    expect(fake.restores).toHaveLength(0);
  });

  it('tears staging down when verification fails, and the execution fails', async () => {
    await runBackupMachine();
    // The restored copy lost a row (a restore that went wrong): it no longer matches the manifest.
    const handlers = {
      ...functionHandlers,
      restoreDrillVerify: async (event: unknown, context: object) => {
        const staging = (event as { staging: { connectionString: string } }).staging;
        await withClient(withSourceLogin(staging.connectionString), (c) =>
          c.query('DELETE FROM public.orders WHERE id = 50'),
        );
        return functionHandlers['restoreDrillVerify']!(event, context);
      },
    };
    const report = await failedDrill('drill-mismatch', handlers);
    expect(report?.outcome).toBe('failed');
    expect(report?.checks.find((c) => c.name === 'checksums')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('public.orders'),
    });
    expect(report?.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
    expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
  });

  it('fails the execution when the drill is inconclusive (no heartbeat row restored), after teardown', async () => {
    // The heartbeat the backup wrote is lost before its manifest point: the copy has none.
    const handlers = {
      ...functionHandlers,
      backupStart: async (event: unknown, context: object) => {
        const out = await functionHandlers['backupStart']!(event, context);
        await withClient(pg.url(), (c) => c.query('DELETE FROM public.drillbook_heartbeat'));
        return out;
      },
    };
    await runStateMachine('backup', {}, { ...fast, handlers, executionName: 'backup-beat-lost' });
    const error = await runStateMachine(
      'restore-drill',
      {},
      { ...fast, executionName: 'drill-no-beat' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/drill report says failed or inconclusive/);
    const [report] = reports('restore-drill');
    expect(report?.outcome).toBe('inconclusive');
    expect(report?.checks.find((c) => c.name === 'heartbeat')).toMatchObject({
      outcome: 'inconclusive',
      detail: 'no heartbeat row in the restored database',
    });
    expect(report?.checks.filter((c) => c.outcome === 'failed')).toEqual([]);
    expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
  });

  it('fails the backup execution when its report is inconclusive, not only when it failed', async () => {
    // The report step's answer as the Choice sees it (no backup check can be inconclusive today):
    // the definition must treat anything but "passed" as a failure.
    const handlers = {
      ...functionHandlers,
      backupFinish: async (event: unknown, context: object) => {
        const out = (await functionHandlers['backupFinish']!(event, context)) as { outcome: string };
        return { ...out, outcome: 'inconclusive' };
      },
    };
    const error = await runStateMachine(
      'backup',
      {},
      { ...fast, handlers, executionName: 'backup-unsure' },
    ).catch((e: unknown) => e);
    expect(String(error)).toMatch(/BackupFailed|the backup report says failed or inconclusive/);
  });

  it('retries a throttled restore request and still creates one staging instance', async () => {
    await runBackupMachine();
    fake.failNext('RestoreDBInstanceToPointInTime', 2, throttled);
    const run = await runStateMachine('restore-drill', {}, { ...fast, executionName: 'drill-throttled' });
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    expect(run.retries.filter((r) => r.state === 'RestoreDrillStart')).toHaveLength(2);
    expect(fake.calls.filter((c) => c === 'RestoreDBInstanceToPointInTime')).toHaveLength(3);
    expect(fake.restores).toHaveLength(1);
    expect(fake.deleted).toHaveLength(1);
  });

  it('tears down through the Catch path when polling stays throttled past its retries', async () => {
    await runBackupMachine();
    // Once the restore was accepted, every look at the instance is throttled: the first poll
    // and its 5 retries (MaxAttempts 5), then the Catch; teardown's own look goes through.
    fake.after('RestoreDBInstanceToPointInTime', () => fake.failNext('DescribeDBInstances', 6, throttled));
    const error = await runStateMachine('restore-drill', {}, { ...fast, executionName: 'drill-catch' }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/drill report says failed/);
    expect(fake.failuresLeft('DescribeDBInstances')).toBe(0);
    const [report] = reports('restore-drill');
    expect(report?.outcome).toBe('failed');
    expect(report?.reason).toMatch(/TransientAwsError/);
    expect(report?.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
    expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
  });

  it('tears down the instance a first step started before its Lambda timed out (no state returned)', async () => {
    await runBackupMachine();
    const timedOut = () =>
      Object.assign(new Error('Task timed out after 300.00 seconds'), { name: 'Sandbox.Timedout' });
    const reportAnswers: unknown[] = [];
    const handlers = {
      ...functionHandlers,
      // The restore was requested, then the function ran out of time before returning its state.
      restoreDrillStart: async (event: unknown, context: object) => {
        await functionHandlers['restoreDrillStart']!(event, context);
        throw timedOut();
      },
      // The RestoreDrillReport step delivered twice (Lambda's at-least-once): one report, the same answer.
      restoreDrillReport: async (event: unknown, context: object) => {
        reportAnswers.push(await functionHandlers['restoreDrillReport']!(event, context));
        reportAnswers.push(await functionHandlers['restoreDrillReport']!(event, context));
        return reportAnswers.at(-1);
      },
    };
    const report = await failedDrill('drill-start-timed-out', handlers);
    const stagingId = fake.restores[0]!.id;
    expect(fake.restores).toHaveLength(1);
    expect(fake.deleted).toEqual([`db:${stagingId}`]);
    expect(report?.reason).toBe('Sandbox.Timedout: Task timed out after 300.00 seconds');
    expect(report?.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
    expect(reports('restore-drill')).toHaveLength(1);
    expect(reportAnswers).toHaveLength(2);
    expect((reportAnswers[1] as { reportId: string }).reportId).toBe(report?.id);
    expect((reportAnswers[0] as { reportId: string }).reportId).toBe(report?.id);
  });

  it('reports a teardown that fails past its retries as a failed check, and fails the execution', async () => {
    await runBackupMachine();
    fake.failNext('DeleteDBInstance', 100, throttled);
    const report = await failedDrill('drill-teardown-stuck');
    const stagingId = fake.restores[0]!.id;
    expect(report?.outcome).toBe('failed');
    expect(report?.checks.find((c) => c.name === 'checksums')?.outcome).toBe('passed');
    expect(report?.checks.find((c) => c.name === 'teardown')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(
        new RegExp(`^staging ${stagingId} may be left behind: TransientAwsError`),
      ),
    });
    // 1 + 8 retries (TransientAwsError), each refused; the instance is still there.
    expect(fake.calls.filter((c) => c === 'DeleteDBInstance')).toHaveLength(9);
    expect(fake.deleted).toEqual([]);
    expect(fake.instances.get(stagingId)?.db.DBInstanceStatus).toBe('available');
  });

  it('fails without restoring for an unknown backupId, naming it', async () => {
    const report = await failedDrill('drill-unknown-backup', functionHandlers, {
      backupId: 'drillbook-shop-19990101',
    });
    expect(report?.reason).toBe('backup drillbook-shop-19990101 not found');
    expect(fake.calls).not.toContain('RestoreDBInstanceToPointInTime');
  });

  it("never restores another system's snapshot of the same id", async () => {
    fake.addSnapshot(dbSnapshot('drillbook-shop-20261120', {}, 'billing'));
    const report = await failedDrill('drill-foreign-backup', functionHandlers, {
      backupId: 'drillbook-shop-20261120',
    });
    expect(report?.reason).toBe('backup drillbook-shop-20261120 not found');
    expect(fake.calls).not.toContain('RestoreDBInstanceToPointInTime');
  });

  it('fails without restoring when the target time precedes every manifest', async () => {
    await runBackupMachine();
    const report = await failedDrill('drill-too-early', functionHandlers, {
      targetTime: '2020-01-01T00:00:00Z',
    });
    expect(report?.reason).toBe('no backup with a manifest taken before 2020-01-01T00:00:00.000Z');
    expect(fake.restores).toEqual([]);
  });

  it('stops on input that does not validate, naming the field, before calling AWS', async () => {
    const error = await runStateMachine(
      'restore-drill',
      { targetTime: 'yesterday' },
      { ...fast, executionName: 'drill-bad-input' },
    ).catch((e: unknown) => e);
    expect(String(error)).toMatch(/input\.targetTime: must be an ISO-8601 time/);
    expect(reports('restore-drill')).toEqual([]);
    expect(fake.calls).toEqual([]);
  });
});
