/**
 * npm run bench:restore [-- --scale 50 --transactions 20000 --rounds 2]
 *
 * In one run on the same database: a restore drill's total time (check backup, copy, recover to
 * the manifest point, verify counts and checksums, roll forward, amcheck, teardown) against a bare
 * restore (copy the base backup + replay the WAL archive to its end, no checks). Prints the medians
 * and the ratio drill / bare. Target: <= 1.25x at scale 50.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../lib/polyfills.js';
import { parseConfig } from '../lib/drillbookConfig.js';
import { runBackup } from '../lib/jobs/backup/runBackup.js';
import { runRestoreDrill } from '../lib/jobs/restoreDrill/runRestoreDrill.js';
import { makeServerTempDir, pgBin, run } from '../lib/local/exec.js';
import { FolderRunbookStore } from '../lib/local/folderRunbookStore.js';
import { LocalCluster } from '../lib/local/pgCluster.js';
import { localBackups, localRestoreTarget, localSource, stagingInspector } from '../lib/local/wiring.js';
import type { BackupRecord } from '../lib/ports.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '50' },
    transactions: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const scale = Number(values.scale);
const transactions = Number(values.transactions);
const rounds = Number(values.rounds);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = makeServerTempDir('drillbook-bench-');
const archiveDir = join(root, 'backups', 'bench', 'wal');
const source = await LocalCluster.init({
  dir: join(root, 'source'),
  archiveDir,
  fast: true,
  settings: { max_wal_size: '4GB' },
});
try {
  await source.start();
  const url = source.url();
  const env = { PGPASSWORD: decodeURIComponent(new URL(url).password) };
  const pgbench = (args: string[]) =>
    run(
      pgBin('pgbench'),
      [...args, '-h', '127.0.0.1', '-p', String(source.port), '-U', 'drillbook', 'postgres'],
      { env, timeoutMs: 3600_000 },
    );
  log(`pgbench -i -s ${scale}`);
  await pgbench(['-i', '-s', String(scale), '-q']);
  const config = parseConfig({
    systems: [
      {
        name: 'bench',
        database: { sourceUrl: url },
        backup: { local: { dir: join(root, 'backups') } },
        restore: { workDir: join(root, 'staging') },
      },
    ],
  });
  const system = config.systems[0]!;
  const runbook = new FolderRunbookStore(join(root, 'runbook'));
  const quiet = { step: (m: string) => log(`  ${m}`) };
  log('backup');
  const backup = await runBackup(
    {
      backups: localBackups(system),
      source: localSource(system),
      publishers: { runbook },
      progress: quiet,
      signal: new AbortController().signal,
    },
    {
      system: 'bench',
      environment: 'bench',
      backupId: 'bench-1',
      retention: system.backup.retention,
      rpoTargetSeconds: 900,
    },
  );
  if (backup.report.outcome !== 'passed')
    throw new Error(`backup failed: ${JSON.stringify(backup.report.checks)}`);
  log(`workload after the backup: pgbench -c 2 -t ${transactions} (WAL to replay)`);
  await pgbench(['-c', '2', '-t', String(transactions), '-n']);
  await source.query('SELECT pg_switch_wal()');
  await new Promise((r) => setTimeout(r, 2000));
  const record = (await localBackups(system).get('bench-1')) as BackupRecord;

  // One untimed restore first, so that neither side pays for a cold page cache alone.
  log('warm-up: one untimed bare restore');
  await bareRestore(record, join(root, 'bare-warmup'), archiveDir, url);
  const bare: number[] = [];
  const drill: number[] = [];
  for (let i = 0; i < rounds; i++) {
    log(`round ${i + 1}: bare restore`);
    bare.push(await bareRestore(record, join(root, `bare-${i}`), archiveDir, url));
    log(`round ${i + 1}: drill`);
    const started = performance.now();
    const result = await runRestoreDrill(
      {
        backups: localBackups(system),
        target: localRestoreTarget(system),
        inspector: stagingInspector(system),
        publishers: { runbook },
        progress: quiet,
        signal: new AbortController().signal,
      },
      { system: 'bench', environment: 'bench', mask: false, rpoTargetSeconds: 900, rtoTargetSeconds: 14_400 },
    );
    drill.push((performance.now() - started) / 1000);
    if (result.report.outcome === 'failed')
      throw new Error(`drill failed: ${result.report.reason ?? JSON.stringify(result.report.checks)}`);
    log(
      `  phases: ${result.report.phases.map((p) => `${p.name} ${((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000).toFixed(1)}s`).join(', ')}`,
    );
  }
  const ratio = median(drill) / median(bare);
  const sizeMb = (record.sizeBytes ?? 0) / 1e6;
  process.stdout.write(
    `${JSON.stringify({ scale, baseBackupMB: Math.round(sizeMb), transactionsAfterBackup: transactions * 2, bareSeconds: bare, drillSeconds: drill, bareMedian: median(bare), drillMedian: median(drill), ratio: Number(ratio.toFixed(2)), target: 1.25 }, null, 2)}\n`,
  );
} finally {
  await source.destroy().catch(() => {});
  await rm(root, { recursive: true, force: true });
}

/** Copy + WAL replay to the end of the archive + open: the floor any restore pays. */
async function bareRestore(
  backup: BackupRecord,
  dir: string,
  archive: string,
  sourceUrl: string,
): Promise<number> {
  const { username, password } = new URL(sourceUrl);
  const started = performance.now();
  const cluster = await LocalCluster.adopt({
    dir,
    superuser: username,
    password: decodeURIComponent(password),
  });
  await run('cp', ['-a', backup.location, cluster.dataDir], { asServerUser: true, timeoutMs: 3600_000 });
  await run('chmod', ['0700', cluster.dataDir], { asServerUser: true });
  await cluster.overrideForRestore({
    restore_command: `cp '${archive}/%f' '%p'`,
    recovery_target_action: 'promote',
  });
  await run('touch', [join(cluster.dataDir, 'recovery.signal')], { asServerUser: true });
  await cluster.startInBackground();
  for (;;) {
    try {
      const rows = await cluster.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      if (!rows[0]!.r) break;
    } catch {
      // starting up
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  await cluster.destroy();
  return seconds;
}
