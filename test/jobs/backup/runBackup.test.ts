import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../../lib/jobs/backup/runBackup.js';
import { localBackups, localSource } from '../../../lib/local/wiring.js';
import { check, type DrillFixture, drillFixture } from '../../helpers/drillFixture.js';
import { cleanupPostgresAfterAll } from '../../helpers/postgres.js';

cleanupPostgresAfterAll();

const backup = (f: DrillFixture, backupId: string, now?: () => Date) =>
  runBackup(
    {
      backups: localBackups(f.system),
      source: localSource(f.system),
      publishers: f.publishers,
      progress: f.progress,
      signal: new AbortController().signal,
      ...(now ? { now } : {}),
    },
    {
      system: 'shop',
      environment: 'production',
      backupId,
      retention: { maxAgeDays: 14, keepMonthly: 3 },
      rpoTargetSeconds: 900,
    },
  );

describe('local backup job', () => {
  it('reuses a backup whose id already exists instead of taking a second one', async () => {
    const f = await drillFixture();
    const first = await backup(f, 'shop-daily');
    const again = await backup(f, 'shop-daily');
    expect(first.report.outcome).toBe('passed');
    expect(again.report.outcome).toBe('passed');
    expect(check(again.report, 'manifest')?.detail).toBe('reused the manifest of the existing backup');
    expect((await localBackups(f.system).list()).map((b) => b.id)).toEqual(['shop-daily']);
  });

  it('prunes backups past retention and the WAL only they needed, keeping the newest', async () => {
    const f = await drillFixture();
    await backup(f, 'shop-old');
    await f.sql("INSERT INTO items (tag) VALUES ('between')");
    await f.sql('SELECT pg_switch_wal()');
    const walBefore = readdirSync(f.pg.archiveDir)
      .filter((n) => /^[0-9A-F]{24}$/.test(n))
      .sort();
    const in20Days = () => new Date(Date.now() + 20 * 86_400_000);

    const { report } = await backup(f, 'shop-new', in20Days);

    // Seen from 20 days ahead the archive is stale too: PITR health says so.
    expect(check(report, 'pitr-health')?.outcome).toBe('failed');
    expect(check(report, 'retention')?.outcome).toBe('passed');
    expect(report.details?.['pruned']).toEqual(['shop-old']);
    expect(check(report, 'retention')?.detail).toMatch(
      /^kept 1 \(0 monthly\), pruned 1 backups and [1-9]\d* WAL files/,
    );
    expect((await localBackups(f.system).list()).map((b) => b.id)).toEqual(['shop-new']);
    expect(existsSync(`${f.pg.root}/backups/shop/base/shop-old`)).toBe(false);
    const walAfter = readdirSync(f.pg.archiveDir)
      .filter((n) => /^[0-9A-F]{24}$/.test(n))
      .sort();
    expect(walAfter[0]! > walBefore[0]!).toBe(true);
    expect(check(report, 'wal-archive-continuity')?.outcome).toBe('passed');
  });

  it('fails the wal-archiving check when the source does not archive', async () => {
    const f = await drillFixture();
    await f.sql("ALTER SYSTEM SET archive_command = '/bin/false'");
    await f.sql('SELECT pg_reload_conf()');
    await f.sql('SELECT pg_switch_wal()');
    await new Promise((r) => setTimeout(r, 1500));
    const { report } = await backup(f, 'shop-noarchive');
    expect(report.outcome).toBe('failed');
    expect(check(report, 'wal-archiving')?.outcome).toBe('failed');
  });
});
