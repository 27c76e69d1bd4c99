import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import validator from 'asl-validator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { functionHandlers } from '../../lib/aws/functionHandlers.js';
import { readDefinition, runStateMachine, stateMachineNames } from '../../lib/aws/localStateMachine.js';
import { backupCommand } from '../../lib/cli/commands/backup.js';
import { restoreDrillCommand } from '../../lib/cli/commands/restoreDrill.js';
import { runCommand } from '../../lib/cli/commands/run.js';
import type { Report } from '../../lib/core/report.js';
import { withClient } from '../../lib/pg/connection.js';
import { capturedContext } from '../helpers/commandContext.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { FakeRds } from './fakeRds.js';
import { awsSection, dbInstance, quotaExceeded, throttled } from './rdsFixtures.js';

/**
 * The real ASL files run locally (aws-local-stepfunctions) with every Task bound to the real
 * Lambda handler; the AWS API is mocked with real response shapes, Postgres is a real throwaway
 * server standing in for both the RDS source and the restored staging instance.
 */
cleanupPostgresAfterAll();

let pg: ThrowawayPostgres;
let runbook: string;
let fake: FakeRds;

function config(url: string, port: number) {
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
    _port: port,
  };
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
});

beforeEach(() => {
  runbook = mkdtempSync(join(tmpdir(), 'drillbook-sfn-'));
  const url = new URL(pg.url());
  const raw = config(pg.url(), Number(url.port));
  delete (raw as { _port?: number })._port;
  process.env['DRILLBOOK_CONFIG_JSON'] = JSON.stringify(raw);
  process.env['DRILLBOOK_RUNBOOK_DIR'] = runbook;
  fake = new FakeRds(
    { host: '127.0.0.1', port: Number(url.port) },
    { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) },
  );
});

afterEach(() => {
  fake.restore();
  rmSync(runbook, { recursive: true, force: true });
});

afterAll(() => {
  delete process.env['DRILLBOOK_CONFIG_JSON'];
  delete process.env['DRILLBOOK_RUNBOOK_DIR'];
});

const fast = { handlers: functionHandlers, waitMs: 0, retryMs: 0 };

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
  try {
    walk(dir);
  } catch {
    return [];
  }
  return found;
}

/** Runs a restore drill that must fail its execution; returns its (only) report. */
async function failedDrill(executionName: string): Promise<Report | undefined> {
  const error = await runStateMachine('restore-drill', {}, { ...fast, executionName }).catch(
    (e: unknown) => e,
  );
  expect(String(error)).toMatch(/drill report says failed/);
  return reports('restore-drill')[0];
}

async function runBackupMachine() {
  return runStateMachine('backup', {}, { ...fast, executionName: `backup-${Date.now()}` });
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
    expect(run.path.filter((s) => s === 'PollSnapshot').length).toBeGreaterThanOrEqual(2);
    expect(fake.calls.filter((c) => c === 'CreateDBSnapshot')).toHaveLength(1);

    const [report] = reports('backup');
    expect(report?.outcome).toBe('passed');
    expect(report?.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['heartbeat', 'manifest', 'snapshot-status', 'pitr-health', 'retention']),
    );
    expect(report?.details?.['restorableLagSeconds']).toBeGreaterThan(0);
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
    await runBackupMachine();
    await runBackupMachine();
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
    expect(steps).toContain('restore-drill: TearDown (Task)');
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
    expect(steps).toContain('restore-drill: TearDown (Task)');
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
  it('restores the manifest point into staging, verifies, masks, measures RPO/RTO and tears down', async () => {
    await runBackupMachine();
    const run = await runStateMachine('restore-drill', {}, { ...fast, executionName: 'drill-happy' });
    expect(run.output).toMatchObject({ result: { outcome: 'passed' } });
    const [report] = reports('restore-drill');
    expect(report?.outcome).toBe('passed');
    expect(report?.checks.find((c) => c.name === 'checksums')?.outcome).toBe('passed');
    expect(report?.checks.find((c) => c.name === 'pii-masking')?.outcome).toBe('passed');
    expect(report?.objectives?.rpoSeconds).not.toBeNull();
    expect(report?.objectives?.rtoSeconds).not.toBeNull();

    const manifestPoint = report?.details?.['recoveryTargetUsed'];
    expect(fake.restores).toHaveLength(1);
    expect(fake.restores[0]!.restoreTime?.toISOString()).toBe(manifestPoint);
    expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
    expect(fake.restores[0]!.id).toMatch(/^drillbook-drill-shop-[0-9a-f]{10}$/);
  });

  it("deletes an earlier drill's orphaned staging in its first step and reports it", async () => {
    await runBackupMachine();
    const orphan = 'drillbook-drill-shop-0badc0ffee';
    fake.instances.set(orphan, {
      db: dbInstance(orphan, {
        InstanceCreateTime: new Date(Date.now() - 2 * 86_400_000),
        TagList: [
          { Key: 'drillbook:drill', Value: 'true' },
          { Key: 'drillbook:environment', Value: 'staging' },
          { Key: 'drillbook:system', Value: 'shop' },
          { Key: 'drillbook:drill-id', Value: 'killed-last-month' },
        ],
      }),
      describesUntilAvailable: 0,
    });
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
    await withClient(pg.url(), (c) => c.query('INSERT INTO public.orders VALUES (1000, 1)'));
    try {
      const report = await failedDrill('drill-mismatch');
      expect(report?.outcome).toBe('failed');
      expect(report?.checks.find((c) => c.name === 'checksums')?.outcome).toBe('failed');
      expect(report?.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
      expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
    } finally {
      await withClient(pg.url(), (c) => c.query('DELETE FROM public.orders WHERE id = 1000'));
    }
  });

  it('fails the execution when the drill is inconclusive (no heartbeat row restored), after teardown', async () => {
    await runBackupMachine();
    // The fake restores onto the same server: without the row, the restored database has no heartbeat.
    await withClient(pg.url(), (c) => c.query('DELETE FROM public.drillbook_heartbeat'));
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
    expect(run.retries.filter((r) => r.state === 'StartRestore')).toHaveLength(2);
    expect(fake.calls.filter((c) => c === 'RestoreDBInstanceToPointInTime')).toHaveLength(3);
    expect(fake.restores).toHaveLength(1);
    expect(fake.deleted).toHaveLength(1);
  });

  it('tears down through the Catch path when polling stays throttled past its retries', async () => {
    await runBackupMachine();
    const realDescribe = fake.calls.length;
    // StartRestore describes the (not yet existing) staging once; then every poll is throttled.
    fake.failNext('DescribeDBInstances', 0, throttled);
    const run = runStateMachine('restore-drill', {}, { ...fast, executionName: 'drill-catch' });
    // Arm the failures once the restore was requested.
    const arm = setInterval(() => {
      if (fake.restores.length > 0) {
        fake.failNext('DescribeDBInstances', 6, throttled);
        clearInterval(arm);
      }
    }, 1);
    const error = await run.catch((e: unknown) => e);
    clearInterval(arm);
    expect(realDescribe).toBeGreaterThan(0);
    expect(String(error)).toMatch(/drill report says failed/);
    const [report] = reports('restore-drill');
    expect(report?.outcome).toBe('failed');
    expect(report?.reason).toMatch(/TransientAwsError/);
    expect(fake.deleted).toEqual([`db:${fake.restores[0]!.id}`]);
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
