import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRestoreDrill } from '../../../lib/jobs/restoreDrill/runRestoreDrill.js';
import {
  localBackups,
  localRestoreTarget,
  localSource,
  stagingInspector,
} from '../../../lib/local/wiring.js';
import { check, type DrillFixture, drillFixture } from '../../helpers/drillFixture.js';
import { archiveNow, backup, drill } from '../../helpers/drillJobs.js';
import { cleanupPostgresAfterAll } from '../../helpers/postgres.js';

cleanupPostgresAfterAll();

function stagingLeftovers(f: DrillFixture): string[] {
  const dir = f.system.restore.workDir!;
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('restore drill on the local target', () => {
  it('restores the latest backup, verifies it and reports RPO, RTO and every phase', async () => {
    const f = await drillFixture({
      restore: {
        checks: [
          { name: 'customers', sql: 'SELECT count(*) FROM customers', expect: 500 },
          { name: 'accounts', sql: 'SELECT count(*) FROM pgbench_accounts', expect: 100000 },
        ],
      },
    });
    const b = await backup(f, 'shop-b1');
    expect(b.report.outcome).toBe('passed');
    expect(check(b.report, 'backup-integrity')?.outcome).toBe('passed');
    await f.sql("INSERT INTO items (tag) VALUES ('after-backup')");
    await localSource(f.system).writeHeartbeat();
    await archiveNow(f);

    const { report, location } = await drill(f);

    expect(report.outcome, JSON.stringify(report.checks)).toBe('passed');
    expect(report.phases.map((p) => p.name)).toEqual([
      'check-backup',
      'provision',
      'recover',
      'verify',
      'roll-forward',
      'verify-target',
      'mask',
      'teardown',
    ]);
    for (const name of [
      'row-counts',
      'checksums',
      'migration-head',
      'amcheck',
      'sql:customers',
      'sql:accounts',
    ]) {
      expect(check(report, name)?.outcome, name).toBe('passed');
    }
    expect(check(report, 'migration-head')?.detail).toContain('20261101_add_customers');
    expect(check(report, 'orphaned-staging')).toMatchObject({
      outcome: 'passed',
      detail: expect.stringMatching(/^none found in /),
    });
    const o = report.objectives!;
    expect(o.rtoSeconds).toBeGreaterThan(0);
    expect(o.rpoSeconds).not.toBeNull();
    expect(o.rpoSeconds!).toBeLessThan(60);
    expect(o.rtoSeconds!).toBeLessThanOrEqual(
      (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000,
    );
    expect(existsSync(location)).toBe(true);
    expect(existsSync(location.replace(/\.json$/, '.md'))).toBe(true);
    expect(await f.runbook.readRunbook()).toMatch(/\| shop \| \d{4}-\d{2}-\d{2} \| passed \|/);
    expect(f.posted.map((r) => r.kind)).toEqual(['backup', 'restore-drill']);
    expect(stagingLeftovers(f)).toEqual([]);
  });

  it('recovers to a point in time: rows committed after the target are absent', async () => {
    const f = await drillFixture({
      restore: {
        checks: [
          { name: 'before-target', sql: "SELECT count(*) FROM items WHERE tag = 'before'", expect: 3 },
          { name: 'after-target', sql: "SELECT count(*) FROM items WHERE tag = 'after'", expect: 0 },
        ],
      },
    });
    await backup(f, 'shop-pitr');
    await f.sql("INSERT INTO items (tag) SELECT 'before' FROM generate_series(1, 3)");
    await localSource(f.system).writeHeartbeat();
    await new Promise((r) => setTimeout(r, 1100));
    const now = (await f.sql<{ now: Date }>('SELECT clock_timestamp() AS now'))[0]!.now;
    await new Promise((r) => setTimeout(r, 1100));
    await f.sql("INSERT INTO items (tag) SELECT 'after' FROM generate_series(1, 5)");
    await archiveNow(f);

    const { report } = await drill(f, { targetTime: now });

    expect(report.outcome, report.reason).toBe('passed');
    expect(check(report, 'sql:after-target')?.outcome).toBe('passed');
    expect(check(report, 'sql:before-target')?.outcome).toBe('passed');
    expect(report.details?.['recoveryTarget']).toBe(now.toISOString());
    // RPO is measured against the target time: the newest heartbeat restored is the one before it.
    expect(report.objectives?.rpoSeconds).toBeGreaterThanOrEqual(1);
    expect(report.objectives?.rpoSeconds).toBeLessThan(30);
  });

  it('fails on a missing WAL segment, naming the continuity check, and restores nothing', async () => {
    const f = await drillFixture();
    await backup(f, 'shop-gap');
    for (let i = 0; i < 3; i++) {
      await f.sql("INSERT INTO items (tag) VALUES ('x')");
      await archiveNow(f);
    }
    const segments = readdirSync(f.pg.archiveDir)
      .filter((n) => /^[0-9A-F]{24}$/.test(n))
      .sort();
    const { rm } = await import('node:fs/promises');
    await rm(join(f.pg.archiveDir, segments.at(-2)!));

    const { report } = await drill(f);

    expect(report.outcome).toBe('failed');
    expect(check(report, 'wal-archive-continuity')?.outcome).toBe('failed');
    expect(check(report, 'wal-archive-continuity')?.detail).toContain(segments.at(-2)!);
    expect(report.phases.map((p) => p.name)).not.toContain('provision');
    expect(report.objectives?.rtoSeconds).toBeNull();
  });

  it('fails on a flipped byte in a backed-up data file, naming backup-integrity', async () => {
    const f = await drillFixture();
    const b = await backup(f, 'shop-flip');
    const location = String(b.report.details?.['location']);
    const path = (
      await f.sql<{ path: string }>("SELECT pg_relation_filepath('pgbench_accounts') AS path")
    )[0]!.path;
    const { open } = await import('node:fs/promises');
    const file = await open(join(location, path), 'r+');
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, 9000);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, 9000);
    await file.close();

    const { report } = await drill(f);

    expect(report.outcome).toBe('failed');
    expect(check(report, 'backup-integrity')?.outcome).toBe('failed');
    expect(check(report, 'backup-integrity')?.detail).toMatch(/checksum/i);
  });

  it('fails when a table changed after its manifest was captured, naming the table', async () => {
    const f = await drillFixture();
    const repo = localBackups(f.system);
    const taken = await repo.take('shop-changed', f.progress);
    const manifest = await localSource(f.system).captureManifest({
      system: 'shop',
      backupId: 'shop-changed',
    });
    // The table changes after the manifest; the restore point the drill verifies at comes after the change.
    await f.sql('DELETE FROM customers WHERE id = 42');
    const [point] = await f.sql<{ lsn: string; at: Date }>(
      "SELECT pg_create_restore_point('late-point')::text AS lsn, clock_timestamp() AS at",
    );
    await repo.attachManifest(taken, {
      ...manifest,
      restorePoint: { name: 'late-point', lsn: point!.lsn, time: point!.at.toISOString() },
    });
    await archiveNow(f);

    const { report } = await drill(f);

    expect(report.outcome).toBe('failed');
    expect(check(report, 'row-counts')?.outcome).toBe('failed');
    expect(check(report, 'row-counts')?.detail).toContain('public.customers: expected 500 rows, found 499');
    expect(check(report, 'checksums')?.detail).toContain('public.customers');
    expect(report.phases.find((p) => p.name === 'verify')?.outcome).toBe('failed');
    expect(stagingLeftovers(f)).toEqual([]);
  });

  it('tears staging down and still writes a failed report when a check fails or the drill is interrupted', async () => {
    const f = await drillFixture({
      restore: { checks: [{ name: 'impossible', sql: 'SELECT count(*) FROM customers', expect: 1 }] },
    });
    await backup(f, 'shop-fail');
    await archiveNow(f);

    const failed = await drill(f);
    expect(failed.report.outcome).toBe('failed');
    expect(check(failed.report, 'sql:impossible')?.detail).toBe('expected 1, got 500');
    expect(failed.report.phases.at(-1)).toMatchObject({ name: 'teardown', outcome: 'passed' });
    expect(stagingLeftovers(f)).toEqual([]);

    const controller = new AbortController();
    const interrupted = runRestoreDrill(
      {
        backups: localBackups(f.system),
        target: localRestoreTarget(f.system),
        inspector: stagingInspector(f.system),
        publishers: f.publishers,
        progress: {
          step: (m) => m.startsWith('replaying WAL') && controller.abort(new Error('interrupted by SIGINT')),
        },
        signal: controller.signal,
      },
      {
        system: 'shop',
        environment: 'production',
        mask: false,
        rpoTargetSeconds: 900,
        rtoTargetSeconds: 14_400,
      },
    );
    const { report } = await interrupted;
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(/interrupted/);
    expect(report.phases.at(-1)).toMatchObject({ name: 'teardown', outcome: 'passed' });
    expect(stagingLeftovers(f)).toEqual([]);
    expect(await f.runbook.getReport(report.id)).not.toBeNull();
  });

  it('masks PII on the staging copy only', async () => {
    const f = await drillFixture({
      restore: { masking: [{ table: 'public.customers', column: 'email', strategy: 'email' }] },
    });
    await backup(f, 'shop-mask');
    await archiveNow(f);

    const { report } = await drill(f);

    expect(report.outcome, JSON.stringify(report.checks)).toBe('passed');
    expect(check(report, 'pii-masking')?.detail).toContain('public.customers.email (email): 500 rows');
    const email = (await f.sql<{ email: string }>('SELECT email FROM customers WHERE id = 1'))[0]!.email;
    expect(email).toBe('c1@example.com');
  });
});
