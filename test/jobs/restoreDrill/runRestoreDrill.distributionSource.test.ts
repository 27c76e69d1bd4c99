import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { backupCommand } from '../../../lib/cli/commands/backup.js';
import { restoreDrillCommand } from '../../../lib/cli/commands/restoreDrill.js';
import { sealManifest } from '../../../lib/core/manifestDigest.js';
import type { Report } from '../../../lib/core/report.js';
import { LocalBackupRepository } from '../../../lib/local/localBackupRepository.js';
import { capturedContext } from '../../helpers/commandContext.js';
import {
  cleanupDistributionSourcesAfterAll,
  type DistributionSource,
  startDistributionSource,
} from '../../helpers/distributionSource.js';

/**
 * Backups and drills against sources set up the way users' are (test/helpers/distributionSource.ts):
 * config outside the data directory, limits above PostgreSQL's defaults, a preloaded library,
 * TLS on. Staging must take what recovery needs from the backup itself.
 */
cleanupDistributionSourcesAfterAll();

async function runJson(
  command: typeof backupCommand,
  argv: string[],
): Promise<{ code: number; report: Report; steps: string[] }> {
  const c = capturedContext();
  const code = await command.run([...argv, '--json'], c.ctx);
  return { code, report: JSON.parse(c.out.join('\n')) as Report, steps: c.steps };
}

const check = (report: Report, name: string) => report.checks.find((c) => c.name === name);

async function seededSource(): Promise<{ source: DistributionSource; common: string[] }> {
  const source = await startDistributionSource({ archiveSubdir: 'backups/local/wal' });
  await source.query('CREATE EXTENSION pg_stat_statements');
  await source.query(
    `CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL);
     INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) g;`,
  );
  // TLS the way libpq users write it: sslmode=require encrypts without verifying the certificate.
  const common = [
    '--source-url',
    `${source.url()}?sslmode=require`,
    '--backup-dir',
    join(source.root, 'backups'),
    '--runbook',
    join(source.root, 'runbook'),
  ];
  return { source, common };
}

describe('restore drill on a source laid out and configured like a distribution package', () => {
  it('backs up and restores a source with its config outside the data directory, raised limits and two databases', async () => {
    const { source, common } = await seededSource();
    // A second database with its own collation and an extension of its own.
    await source.query(`CREATE DATABASE billing TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`);
    await source.query(
      `CREATE EXTENSION citext;
       CREATE TABLE invoices (id int PRIMARY KEY, email citext NOT NULL);
       INSERT INTO invoices SELECT g, 'Payer' || g || '@Example.com' FROM generate_series(1, 500) g;`,
      [],
      'billing',
    );
    const backup = await runJson(backupCommand, [...common, '--backup-id', 'distro-1']);
    expect(backup.report.reason).toBeUndefined();
    expect(backup.report.checks.filter((c) => c.outcome !== 'passed')).toEqual([]);

    const drill = await runJson(restoreDrillCommand, [...common, '--work-dir', join(source.root, 'staging')]);
    expect(drill.report.reason).toBeUndefined();
    expect(drill.report.outcome).toBe('passed');
    expect(drill.code).toBe(0);
    // The stock staging values would have stopped recovery; the backup's control file raised them.
    const raised = check(drill.report, 'staging-recovery-settings')?.detail ?? '';
    expect(raised).toContain('max_connections 100 -> 300 (backup control file)');
    expect(raised).toContain('max_worker_processes 8 -> 16');
    expect(raised).toContain('max_prepared_transactions 0 -> 10');
    expect(raised).toContain('max_locks_per_transaction 64 -> 128');
    expect(check(drill.report, 'staging-settings')).toMatchObject({ outcome: 'passed' });
    expect(check(drill.report, 'staging-settings')?.detail).toContain('pg_stat_statements');
    expect(check(drill.report, 'extensions')).toMatchObject({ outcome: 'passed' });
    expect(check(drill.report, 'extensions')?.detail).toBe(
      "2 extension(s) in 2 database(s) present at the source's versions and loadable",
    );
    expect(check(drill.report, 'encoding')).toMatchObject({ outcome: 'passed' });
    expect(check(drill.report, 'databases')).toMatchObject({ outcome: 'passed' });
    // amcheck in each database, named: billing's primary key is checked too.
    expect(check(drill.report, 'amcheck')).toMatchObject({ outcome: 'passed' });
    expect(check(drill.report, 'amcheck')?.detail).toMatch(/billing: 1 B-tree indexes structurally sound/);
    expect(check(drill.report, 'row-counts')?.detail).toContain('1500 rows');
  });

  it('raises a setting that the source raised after the backup when recovery asks for it, and says so', async () => {
    const { source, common } = await seededSource();
    // A long transaction holds a row lock through the whole backup (a writer that stays open is
    // waited for in short attempts, then named: test/jobs/backup/backupOnLiveSource.test.ts).
    const longTx = new pg.Client({ connectionString: source.url() });
    await longTx.connect();
    await longTx.query('BEGIN; SELECT * FROM orders WHERE id = 1 FOR UPDATE');
    const backup = await runJson(backupCommand, [...common, '--backup-id', 'distro-2']);
    await longTx.query('COMMIT');
    await longTx.end();
    expect(backup.report.reason).toBeUndefined();
    expect(backup.code).toBe(0);
    // After the backup the source raises two settings (parameter-change records in WAL): staging
    // meets them one recovery start at a time, as a pause or as a FATAL at start-up.
    await source.reconfigure({ max_connections: 400, max_worker_processes: 20 });
    await source.query('INSERT INTO orders SELECT g, 1 FROM generate_series(1001, 1100) g');
    await source.query('SELECT pg_switch_wal()');
    await waitForArchive(source);

    const drill = await runJson(restoreDrillCommand, [...common, '--work-dir', join(source.root, 'staging')]);
    expect(drill.report.reason).toBeUndefined();
    expect(drill.report.outcome).toBe('passed');
    // Reported twice: what the backup asked for at recovery, what the roll-forward asked for later.
    const reported = drill.report.checks.filter((c) => c.name === 'staging-recovery-settings');
    expect(reported).toHaveLength(2);
    expect(reported[0]?.detail).toContain('max_connections 100 -> 300 (backup control file)');
    expect(reported[1]?.detail).toContain('max_connections 300 -> 400 (recovery)');
    expect(reported[1]?.detail).toContain('max_worker_processes 16 -> 20 (recovery)');
    expect(drill.steps.some((s) => s.includes('raising and restarting'))).toBe(true);
  });

  it('fails with the server FATAL line and keeps the staging log when staging cannot start', async () => {
    const { source, common } = await seededSource();
    expect((await runJson(backupCommand, [...common, '--backup-id', 'distro-3'])).code).toBe(0);
    // The backup was taken where a library was installed that the staging host lacks.
    const repo = new LocalBackupRepository(join(source.root, 'backups', 'local'), 'local', source.url());
    const record = (await repo.get('distro-3'))!;
    const manifest = record.manifest!;
    manifest.source!.preloadLibraries.push('drillbook_missing_lib');
    // Sealed again, as the backup job would have sealed it: this is the manifest of that backup.
    await repo.attachManifest(record, sealManifest(manifest));

    const drill = await runJson(restoreDrillCommand, [...common, '--work-dir', join(source.root, 'staging')]);
    expect(drill.code).toBe(1);
    expect(drill.report.reason).toMatch(/FATAL: could not access file "drillbook_missing_lib"/);
    const recover = drill.report.phases.find((p) => p.name === 'recover');
    expect(recover?.outcome).toBe('failed');
    expect(recover?.detail).toContain('drillbook_missing_lib');
    expect(drill.report.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
    const key = drill.report.details?.['stagingLog'] as string;
    expect(key).toMatch(/^reports\/restore-drill\/\d{4}\/\d{2}\/.+\.staging\.log$/);
    expect(readFileSync(join(source.root, 'runbook', key), 'utf8')).toContain('drillbook_missing_lib');
  });

  it('fails the extensions check naming the extension whose library staging cannot load', async () => {
    const { source, common } = await seededSource();
    // An extension member whose C library is not on the staging host: created against a library
    // that exists, then pointed (in the catalog, as superuser) at one this machine does not have.
    await source.query(`CREATE FUNCTION drillbook_probe() RETURNS void
        AS '$libdir/pg_stat_statements', 'pg_stat_statements_reset' LANGUAGE C;
      ALTER EXTENSION pg_stat_statements ADD FUNCTION drillbook_probe();
      UPDATE pg_proc SET probin = '$libdir/drillbook_missing_module' WHERE proname = 'drillbook_probe';`);
    expect((await runJson(backupCommand, [...common, '--backup-id', 'distro-5'])).code).toBe(0);

    const drill = await runJson(restoreDrillCommand, [...common, '--work-dir', join(source.root, 'staging')]);
    expect(drill.code).toBe(1);
    const extensions = check(drill.report, 'extensions');
    expect(extensions?.outcome).toBe('failed');
    expect(extensions?.detail).toMatch(
      /database postgres: extension pg_stat_statements [\d.]+ cannot be loaded: .*drillbook_missing_module/,
    );
    expect(drill.report.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
  });

  it('fails at once, saying where a password goes, when staging asks for one and none was given', async () => {
    const { source, common } = await seededSource();
    expect((await runJson(backupCommand, [...common, '--backup-id', 'distro-6'])).code).toBe(0);
    const args = [...common];
    args[1] = `${source.url().replace(`:${encodeURIComponent(source.password)}@`, '@')}?sslmode=require`;
    const saved = { PGPASSWORD: process.env['PGPASSWORD'], PGPASSFILE: process.env['PGPASSFILE'] };
    delete process.env['PGPASSWORD'];
    process.env['PGPASSFILE'] = join(source.root, 'no-such-pgpass');
    try {
      // Staging is logged into with the source URL: the recover phase fails at once, not at the timeout.
      const drill = await runJson(restoreDrillCommand, [...args, '--work-dir', join(source.root, 'staging')]);
      expect(drill.code).toBe(1);
      expect(drill.report.reason).toMatch(/asks for a password for user "app_owner" and none was given/);
      expect(drill.report.phases.find((p) => p.name === 'recover')?.outcome).toBe('failed');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('reports a login staging refuses at once with the server message, not as a recovery timeout', async () => {
    const { source, common } = await seededSource();
    expect((await runJson(backupCommand, [...common, '--backup-id', 'distro-4'])).code).toBe(0);
    // The login's password was rotated after the backup: the copy at the backup's point knows the old one.
    const newPassword = 'rotated-after-backup';
    await source.query(`ALTER ROLE app_owner PASSWORD '${newPassword}'`);
    const rotatedUrl = `${source.url().replace(encodeURIComponent(source.password), newPassword)}?sslmode=require`;
    const args = [...common];
    args[1] = rotatedUrl;

    const drill = await runJson(restoreDrillCommand, [...args, '--work-dir', join(source.root, 'staging')]);
    expect(drill.code).toBe(1);
    expect(drill.report.reason).toMatch(/staging refused the drill's login: password authentication failed/);
    // Waiting it out would have ended in a recovery timeout (an hour by default) instead.
    expect(drill.report.phases.find((p) => p.name === 'recover')?.detail).toContain(
      'password authentication failed',
    );
  });
});

async function waitForArchive(source: DistributionSource): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [row] = await source.query<{ pending: boolean }>(
      `SELECT last_archived_wal IS NOT NULL AND last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) AS pending
         FROM pg_stat_archiver`,
    );
    if (row?.pending) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
