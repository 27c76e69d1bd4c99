/**
 * npm run bench:backup-stall [-- --scales 10,50 --clients 4 --rounds 1]
 *
 * What a backup costs production's writes. pgbench write transactions (-N: UPDATE accounts,
 * SELECT, INSERT history; several clients, every transaction's latency logged with -l) run
 * against the source for the whole `drillbook backup` (the real CLI, local target: heartbeat,
 * pg_basebackup, the manifest's locks and checksum pass, verification), and for a run of the
 * same length without a backup. Prints, per scale, the longest and the p99 write latency in the
 * backup's window for both runs, their ratio, the added stall (max with − max without), and the
 * backup's own lock figures (details.manifestLocks: attempts, waitedMs, heldMs).
 * Target: the added stall is at most 250 ms and does not grow with the database's size.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../lib/polyfills.js';
import type { Report } from '../lib/core/report.js';
import { makeServerTempDir, pgBin, run } from '../lib/local/exec.js';
import { LocalCluster } from '../lib/local/pgCluster.js';
import type { ManifestLocks } from '../lib/ports.js';
import { compareWindow, type Latencies, LEAD_SECONDS, transactions, writeLoad } from './pgbenchLoad.js';

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '10,50' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1' },
  },
});
const scales = String(values.scales).split(',').map(Number);
const clients = Number(values.clients);
const rounds = Number(values.rounds);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

interface Round {
  backupSeconds: number;
  /** Transactions that overlapped the whole backup, and the same stretch of the run without it. */
  with: Latencies;
  without: Latencies;
  manifestLocks: ManifestLocks | null;
  /** The longest transaction overlapping the manifest's lock wait + hold. */
  lockWindowMaxMs: { with: number; without: number } | null;
  /** The longest transaction overlapping each phase of the backup. */
  phaseMaxMs: Record<string, { with: number; without: number }>;
}

const results: Record<string, unknown>[] = [];
for (const scale of scales) results.push(await benchScale(scale));
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

async function benchScale(scale: number): Promise<Record<string, unknown>> {
  const root = makeServerTempDir('drillbook-bench-stall-');
  const backupDir = join(root, 'backups');
  const source = await LocalCluster.init({
    dir: join(root, 'source'),
    archiveDir: join(backupDir, 'bench', 'wal'),
    fast: true,
    settings: { max_wal_size: '4GB' },
  });
  try {
    await source.start();
    const url = source.url();
    const pgbench = (args: string[]) =>
      run(
        pgBin('pgbench'),
        [...args, '-h', '127.0.0.1', '-p', String(source.port), '-U', 'drillbook', 'postgres'],
        {
          env: { PGPASSWORD: decodeURIComponent(new URL(url).password) },
          timeoutMs: 3600_000,
          cwd: root,
        },
      );
    log(`scale ${scale}: pgbench -i`);
    await pgbench(['-i', '-s', String(scale), '-q']);
    let backups = 0;
    const backup = async (): Promise<{ seconds: number; report: Report; startedAt: number }> => {
      const startedAt = Date.now();
      const args = ['bin/drillbook.mjs', 'backup', '--source-url', url, '--backup-dir', backupDir];
      args.push(
        '--system',
        'bench',
        '--backup-id',
        `bench-${++backups}`,
        '--runbook',
        join(root, 'runbook'),
        '--json',
      );
      const { stdout } = await run(process.execPath, args, { timeoutMs: 3600_000 });
      const report = JSON.parse(stdout) as Report;
      if (report.outcome !== 'passed') throw new Error(`backup failed: ${report.reason ?? ''}`);
      return { seconds: (Date.now() - startedAt) / 1000, report, startedAt };
    };
    // An untimed backup first: warms the page cache and tells how long the window must be.
    log(`scale ${scale}: warm-up backup`);
    const warm = await backup();
    // Room for a backup that runs slower than the warm-up (a busy machine): pgbench must outlast it.
    const seconds = Math.ceil(2 * warm.seconds + 2 * LEAD_SECONDS);
    const rows: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      log(`scale ${scale}, round ${i + 1}: ${seconds}s of pgbench -N -c ${clients}, no backup`);
      const load = (prefix: string) => ({ dir: root, prefix, seconds, clients, script: ['-N'] });
      const quietRun = await writeLoad(pgbench, load(`quiet-${i}`), async () => {});
      log(`scale ${scale}, round ${i + 1}: ${seconds}s of pgbench -N -c ${clients} with drillbook backup`);
      let taken: Awaited<ReturnType<typeof backup>> | null = null;
      const busyRun = await writeLoad(pgbench, load(`busy-${i}`), async () => {
        taken = await backup();
      });
      const b = taken as Awaited<ReturnType<typeof backup>> | null;
      if (!b) throw new Error('no backup ran');
      if (b.startedAt + b.seconds * 1000 > busyRun.startedAt + seconds * 1000)
        log('  warning: the backup outlasted pgbench; its last phases ran without load');
      const busy = { ...busyRun, transactions: await transactions(root, `busy-${i}`) };
      const quiet = { ...quietRun, transactions: await transactions(root, `quiet-${i}`) };
      // A window of the busy run, and the same stretch of the quiet run (same offset from its start).
      const compare = (from: number, to: number) => compareWindow(busy, quiet, { from, to });
      const whole = compare(b.startedAt, b.startedAt + b.seconds * 1000);
      const locks = b.report.details?.['manifestLocks'] as ManifestLocks | undefined;
      const lockWindow = locks
        ? compare(Date.parse(locks.lockedAt) - locks.waitedMs, Date.parse(locks.releasedAt))
        : null;
      rows.push({
        backupSeconds: Number(b.seconds.toFixed(1)),
        with: whole.with,
        without: whole.without,
        manifestLocks: locks ?? null,
        lockWindowMaxMs: lockWindow
          ? { with: lockWindow.with.maxMs, without: lockWindow.without.maxMs }
          : null,
        phaseMaxMs: Object.fromEntries(
          b.report.phases.map((p) => {
            const c = compare(Date.parse(p.startedAt), Date.parse(p.finishedAt));
            return [p.name, { with: c.with.maxMs, without: c.without.maxMs }];
          }),
        ),
      });
      const last = rows.at(-1)!;
      log(
        `  max ${last.with.maxMs} ms with the backup vs ${last.without.maxMs} ms without; p99 ${last.with.p99Ms} vs ${last.without.p99Ms}; lock window ${JSON.stringify(last.lockWindowMaxMs)}; phases ${JSON.stringify(last.phaseMaxMs)}; locks ${JSON.stringify(last.manifestLocks)}`,
      );
    }
    const worst = rows.reduce((a, b) =>
      b.with.maxMs - b.without.maxMs > a.with.maxMs - a.without.maxMs ? b : a,
    );
    return {
      scale,
      clients,
      baseBackupMB: Math.round(((warm.report.details?.['sizeBytes'] as number | undefined) ?? 0) / 1e6),
      rounds: rows,
      maxWithMs: worst.with.maxMs,
      maxWithoutMs: worst.without.maxMs,
      maxRatio: Number((worst.with.maxMs / worst.without.maxMs).toFixed(2)),
      p99Ratio: Number((worst.with.p99Ms / worst.without.p99Ms).toFixed(2)),
      addedStallMs: Number((worst.with.maxMs - worst.without.maxMs).toFixed(1)),
      lockWindowMaxMs: Math.max(...rows.map((r) => r.lockWindowMaxMs?.with ?? 0)),
      lockHeldMs: Math.max(...rows.map((r) => r.manifestLocks?.heldMs ?? 0)),
      targetAddedStallMs: 250,
    };
  } finally {
    await source.destroy().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}
