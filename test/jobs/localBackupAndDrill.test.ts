import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupCommand } from '../../lib/cli/commands/backup.js';
import { restoreDrillCommand } from '../../lib/cli/commands/restoreDrill.js';
import type { Report } from '../../lib/core/report.js';
import { makeServerTempDir } from '../../lib/local/exec.js';
import { withClient } from '../../lib/pg/connection.js';
import { capturedContext as context } from '../helpers/commandContext.js';
import { cleanupPostgresAfterAll, startPostgres } from '../helpers/postgres.js';

/**
 * The local path after the jobs were split into steps (shared with the state machines): a real
 * backup (pg_basebackup + WAL archive) and a real restore drill still pass end to end, with the
 * same phases as before the split.
 */
cleanupPostgresAfterAll();
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('local backup and restore drill (steps run in-process)', () => {
  it('backs up, then restores, verifies against the manifest, measures RPO/RTO and tears down', async () => {
    const backupDir = makeServerTempDir('drillbook-jobs-');
    folders.push(backupDir);
    const pg = await startPostgres({ archiveDir: join(backupDir, 'local', 'wal') });
    await withClient(pg.url(), async (c) => {
      await c.query('CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL)');
      await c.query(`INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 200) g`);
    });
    const runbook = join(backupDir, 'runbook');
    const common = ['--source-url', pg.url(), '--backup-dir', backupDir, '--runbook', runbook, '--json'];

    const backup = context();
    expect(await backupCommand.run([...common, '--backup-id', 'local-1'], backup.ctx)).toBe(0);
    const backupReport = JSON.parse(backup.out.join('\n')) as Report;
    expect(backupReport.phases.map((p) => p.name)).toEqual([
      'heartbeat',
      'base-backup',
      'manifest',
      'verify',
      'pitr-health',
      'prune',
    ]);

    const drill = context();
    const code = await restoreDrillCommand.run(
      [...common, '--work-dir', join(backupDir, 'staging')],
      drill.ctx,
    );
    const report = JSON.parse(drill.out.join('\n')) as Report;
    expect(report.reason).toBeUndefined();
    expect(code).toBe(0);
    expect(report.outcome).toBe('passed');
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
    expect(report.checks.find((c) => c.name === 'row-counts')?.detail).toMatch(/200 rows match/);
    expect(report.objectives?.rtoSeconds).toBeGreaterThan(0);
    expect(report.objectives?.rpoSeconds).not.toBeNull();
  });
});
