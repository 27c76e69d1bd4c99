import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeError } from '../core/errors.js';
import { formatDuration } from '../core/objectives.js';
import type { Report } from '../core/report.js';
import { parseConfig } from '../drillbookConfig.js';
import { runBackup } from '../jobs/backup/runBackup.js';
import type { Publishers } from '../jobs/publish.js';
import { runReplayRequest } from '../jobs/replay/replayRequest.js';
import { runRestoreDrill } from '../jobs/restoreDrill/runRestoreDrill.js';
import { ROTATION_TAG, rotationAudit } from '../jobs/rotation/rotationAudit.js';
import { makeServerTempDir, pgBinDir } from '../local/exec.js';
import { FileSecretStore } from '../local/fileSecretStore.js';
import { LocalNatsServer } from '../local/natsServer.js';
import type { LocalCluster } from '../local/pgCluster.js';
import { localBackups, localRestoreTarget, localSource, stagingInspector } from '../local/wiring.js';
import type { Progress } from '../ports.js';
import { seedContactsDemo } from '../projections/contactsSeed.js';
import { runLocalCanaryHaltDemo } from './canaryDemo.js';
import { runLocalRotationDemo } from './localRotationDemo.js';
import { pgbench, startDemoSource } from './sourceDatabase.js';

export interface DemoOptions {
  /** Folder the demo leaves behind: runbook/ with every report. */
  dir: string;
  scale: number;
  progress: Progress;
  signal: AbortSignal;
  publishers: (runbookDir: string) => Publishers;
}

export interface DemoStep {
  job: string;
  outcome: Report['outcome'] | 'error';
  detail: string;
  location?: string;
}

const SYSTEM = 'demo';

/**
 * Every job end to end on one machine: throwaway Postgres (source; staging clusters come and go
 * with each drill), real backups and restores. Servers and backups live in a temp folder removed
 * at the end; the runbook folder stays for a person to browse.
 */
export async function runDemo(options: DemoOptions): Promise<DemoStep[]> {
  pgBinDir(); // fail fast, with the install hint, when the server binaries are missing
  const runbookDir = resolve(options.dir, 'runbook');
  await mkdir(runbookDir, { recursive: true });
  const root = makeServerTempDir('drillbook-demo-');
  const publishers = options.publishers(runbookDir);
  const steps: DemoStep[] = [];
  let source: LocalCluster | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let nats: LocalNatsServer | undefined;
  try {
    source = await startDemoSource(root, SYSTEM, options.scale, options.progress);
    const sourceUrl = source.url();
    const config = parseConfig({
      systems: [
        {
          name: SYSTEM,
          environment: 'production',
          database: { sourceUrl: source.url(), migrationsTable: 'public.schema_migrations' },
          backup: { local: { dir: join(root, 'backups') } },
          restore: {
            workDir: join(root, 'staging'),
            checks: [
              { name: 'customers-present', sql: 'SELECT count(*) FROM customers', expect: 2000 },
              {
                name: 'balances-consistent',
                sql: 'SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)',
                expect: true,
              },
            ],
            masking: [
              { table: 'public.customers', column: 'email', strategy: 'email' },
              { table: 'public.customers', column: 'phone', strategy: 'redact' },
            ],
          },
        },
      ],
      runbook: { dir: runbookDir },
    });
    const system = config.systems[0]!;
    const sourceDb = localSource(system);
    // The product's own heartbeat writer: RPO is measured against the newest beat a restore holds.
    await sourceDb.writeHeartbeat();
    heartbeat = setInterval(() => void sourceDb.writeHeartbeat().catch(() => {}), 1000);

    options.signal.throwIfAborted();
    options.progress.step('== backup: base backup, manifest, verification, PITR health, retention');
    const backup = await runBackup(
      {
        backups: localBackups(system),
        source: sourceDb,
        publishers,
        progress: options.progress,
        signal: options.signal,
      },
      {
        system: SYSTEM,
        environment: 'production',
        backupId: `${SYSTEM}-${Date.now().toString(36)}`,
        retention: system.backup.retention,
        rpoTargetSeconds: system.objectives.rpoMinutes * 60,
      },
    );
    steps.push(step('backup', backup.report, backup.location));

    options.progress.step('== traffic after the backup (pgbench, 2 clients): WAL the drill must replay');
    await pgbench(source, ['-n', '-c', '2', '-t', String(500 * options.scale)]);
    await source.query('SELECT pg_switch_wal()');

    options.signal.throwIfAborted();
    options.progress.step('== restore drill: restore into staging, verify, roll forward, mask, tear down');
    const drill = await runRestoreDrill(
      {
        backups: localBackups(system),
        target: localRestoreTarget(system),
        inspector: stagingInspector(system),
        publishers,
        progress: options.progress,
        signal: options.signal,
      },
      {
        system: SYSTEM,
        environment: 'production',
        mask: true,
        rpoTargetSeconds: system.objectives.rpoMinutes * 60,
        rtoTargetSeconds: system.objectives.rtoMinutes * 60,
      },
    );
    steps.push(step('restore-drill', drill.report, drill.location));

    options.signal.throwIfAborted();
    options.progress.step(
      '== replay rehearsal: rebuild the contacts read model from JetStream, twice, and compare',
    );
    await attempt(steps, 'replay', async () => {
      nats = await LocalNatsServer.start({ storeDir: join(root, 'nats') });
      const seeded = await seedContactsDemo({ natsUrl: nats.url, pgUrl: sourceUrl, events: 20_000 });
      options.progress.step(
        `published ${seeded.events} contact events to stream ${seeded.stream}; live projection in Postgres`,
      );
      const replay = await runReplayRequest(
        { stream: seeded.stream, projection: 'contacts', outboxTable: seeded.outboxTable },
        undefined,
        {
          natsUrl: nats.url,
          pgUrl: sourceUrl,
          system: SYSTEM,
          environment: 'production',
          publish: publishers,
        },
        options.signal,
      );
      const r = replay.report.replay;
      return step(
        'replay',
        replay.report,
        replay.location,
        r ? `${r.events} events, ${Math.round(r.eventsPerSecond)}/s` : undefined,
      );
    });

    options.signal.throwIfAborted();
    options.progress.step(
      '== secret rotation: alternate the app database user through the four rotation steps',
    );
    await attempt(steps, 'secret-rotation', async () => {
      const rotation = await runLocalRotationDemo({
        adminUrl: sourceUrl,
        storeFile: join(root, 'secrets.json'),
        runbook: publishers.runbook,
        ...(publishers.chat ? { chat: publishers.chat } : {}),
        progress: options.progress,
        system: SYSTEM,
      });
      return step('secret-rotation', rotation.report, rotation.location);
    });
    await attempt(steps, 'rotation-audit', async () => {
      const audit = await rotationAudit(
        {
          system: SYSTEM,
          environment: 'production',
          secretIds: [],
          tag: { key: ROTATION_TAG },
          warningDays: 7,
          graceHours: 24,
        },
        { store: new FileSecretStore(join(root, 'secrets.json')), ...publishers },
      );
      return step('rotation-audit', audit.report, audit.location);
    });

    options.signal.throwIfAborted();
    options.progress.step('== canary auto-halt: a guardrail alarm fires during a canary deployment');
    await attempt(steps, 'canary-halt', async () => {
      const canary = await runLocalCanaryHaltDemo({
        workDir: resolve(options.dir, 'canary'),
        runbook: publishers.runbook,
        ...(publishers.chat ? { chat: publishers.chat } : {}),
      });
      const report = canary.result.report;
      if (!report || !canary.result.location)
        throw new Error(`canary halt did not act (${canary.result.action})`);
      return step('canary-halt', report, canary.result.location, String(report.details?.['summary'] ?? ''));
    });
  } catch (error) {
    steps.push({ job: 'demo', outcome: 'error', detail: describeError(error) });
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    options.progress.step('stopping the demo servers');
    await nats?.stop().catch(() => {});
    await source?.destroy().catch(() => {});
    if (existsSync(root)) await rm(root, { recursive: true, force: true });
  }
  return steps;
}

/** Runs one demo job; a job that throws is recorded and the demo goes on with the next one. */
async function attempt(steps: DemoStep[], job: string, run: () => Promise<DemoStep>): Promise<void> {
  try {
    steps.push(await run());
  } catch (error) {
    steps.push({ job, outcome: 'error', detail: describeError(error) });
  }
}

function step(job: string, report: Report, location: string, summary?: string): DemoStep {
  const o = report.objectives;
  const failed = report.checks.filter((c) => c.outcome === 'failed').map((c) => c.name);
  const detail = [
    o ? `RPO ${formatDuration(o.rpoSeconds)} / RTO ${formatDuration(o.rtoSeconds)}` : '',
    summary ?? '',
    failed.length > 0
      ? `failed: ${failed.join(', ')}`
      : `${report.checks.length} check${report.checks.length === 1 ? '' : 's'}`,
  ]
    .filter(Boolean)
    .join(', ');
  return { job, outcome: report.outcome, detail, location };
}
