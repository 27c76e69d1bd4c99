import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuardError, RecoveryError } from '../core/errors.js';
import { longestDrillMs, type OrphanSweep, type StagingMarker } from '../core/orphans.js';
import { waitFor } from '../core/wait.js';
import { withHostPort } from '../pg/connection.js';
import { STAGING_MARK } from '../pg/masking.js';
import type { BackupRecord, Progress, RecoveryTarget, RestoreTarget, StagingHandle } from '../ports.js';
import { giveToServerUser, run } from './exec.js';
import { STAGING_MARKER as MARKER, STAGING_PREFIX, sweepLocalStaging } from './orphanSweep.js';
import { LocalCluster } from './pgCluster.js';
import { currentOwner } from './processIdentity.js';

/** The limit of the base-backup copy into staging (the longest a local provision may take). */
const COPY_TIMEOUT_MS = 6 * 3600_000;

export interface LocalRestoreOptions {
  /** Folder to create staging clusters in. */
  workDir: string;
  /** The WAL archive the backups' source writes to. */
  archiveDir: string;
  /** The source's URL: its credentials log into the restored copy. */
  sourceUrl: string;
  recoveryTimeoutMs: number;
}

interface Staging {
  cluster: LocalCluster;
  handle: StagingHandle;
}

/**
 * Restores into throwaway staging clusters on this machine: copy the base backup, recover from
 * the WAL archive to the manifest's restore point (paused, read-only), then roll forward to the
 * drill's target and promote. Teardown removes only folders carrying the drill's marker file.
 */
export class LocalRestoreTarget implements RestoreTarget {
  private readonly staging = new Map<string, Staging>();

  constructor(private readonly options: LocalRestoreOptions) {}

  async provision(backup: BackupRecord, progress: Progress, _signal: AbortSignal): Promise<StagingHandle> {
    const id = `${STAGING_PREFIX}${backup.id}-${Date.now().toString(36)}`;
    const dir = join(this.options.workDir, id);
    await mkdir(this.options.workDir, { recursive: true });
    await mkdir(dir);
    // The owner lets a later sweep tell a killed drill's leftovers from a drill still running.
    const marker: StagingMarker = {
      createdBy: 'drillbook',
      stagingId: id,
      backupId: backup.id,
      createdAt: new Date().toISOString(),
      owner: currentOwner(),
    };
    // Written whole or not at all: a drill killed mid-write leaves no half marker that no sweep could read.
    await writeFile(join(dir, `${MARKER}.tmp`), `${JSON.stringify(marker)}\n`);
    await rename(join(dir, `${MARKER}.tmp`), join(dir, MARKER));
    giveToServerUser(dir);
    const { username, password } = new URL(this.options.sourceUrl);
    const cluster = await LocalCluster.adopt({
      dir,
      superuser: decodeURIComponent(username),
      password: decodeURIComponent(password),
    });
    const handle: StagingHandle = {
      id,
      connectionString: withHostPort(this.options.sourceUrl, '127.0.0.1', cluster.port),
    };
    this.staging.set(id, { cluster, handle });
    progress.step(`copying base backup ${backup.id} into ${cluster.dataDir}`);
    await run('cp', ['-a', backup.location, cluster.dataDir], {
      asServerUser: true,
      timeoutMs: COPY_TIMEOUT_MS,
    });
    await rm(join(cluster.dataDir, 'drillbook-backup.json'), { force: true });
    await run('chmod', ['0700', cluster.dataDir], { asServerUser: true });
    return handle;
  }

  async recoverToManifest(
    handle: StagingHandle,
    backup: BackupRecord,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void> {
    const { cluster } = this.get(handle);
    const point = backup.manifest?.restorePoint;
    await cluster.overrideForRestore({
      [STAGING_MARK]: 'staging',
      restore_command: `cp '${this.options.archiveDir}/%f' '%p'`,
      hot_standby: 'on',
      ...(point ? { recovery_target_name: point.name } : { recovery_target: 'immediate' }),
      recovery_target_action: 'pause',
    });
    await writeFile(join(cluster.dataDir, 'recovery.signal'), '');
    giveToServerUser(join(cluster.dataDir, 'recovery.signal'));
    progress.step(
      `replaying WAL to ${point ? `restore point ${point.name}` : "the backup's consistent point"}`,
    );
    await cluster.startInBackground();
    // pg_ctl returns before archive recovery ends: wait until replay is paused at the target.
    await this.waitForState(cluster, 'paused at the restore point', signal, async (c) => {
      const rows = await c.query<{ in_recovery: boolean; pause: string }>(
        'SELECT pg_is_in_recovery() AS in_recovery, pg_get_wal_replay_pause_state() AS pause',
      );
      const row = rows[0]!;
      if (!row.in_recovery) throw new RecoveryError('recovery ended without pausing at the restore point');
      return row.pause === 'paused' ? true : undefined;
    });
  }

  async rollForward(
    handle: StagingHandle,
    target: RecoveryTarget,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void> {
    const { cluster } = this.get(handle);
    // Immediate, not fast: a standby paused at its target only notices a fast shutdown when its
    // pause loop wakes (up to a second later). Nothing is lost: the restart replays from the last
    // restartpoint, and this copy has no clients and no data of its own yet.
    await cluster.stop('immediate');
    await cluster.writeSettings(
      {
        recovery_target_name: '',
        recovery_target: '',
        recovery_target_time: target.time ? pgTimestamp(target.time) : '',
        recovery_target_action: 'promote',
      },
      'postgresql.auto.conf',
    );
    progress.step(
      `rolling forward to ${target.time ? target.time.toISOString() : 'the end of the WAL archive'}`,
    );
    await cluster.startInBackground();
    await this.waitForState(cluster, 'recovery to end and the database to open', signal, async (c) => {
      const rows = await c.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
      return rows[0]!.in_recovery ? undefined : true;
    });
  }

  async teardown(handle: StagingHandle, progress: Progress): Promise<void> {
    const dir = join(this.options.workDir, handle.id);
    const entry = this.staging.get(handle.id);
    if (!existsSync(dir)) return; // already gone: teardown is idempotent
    await assertMarked(dir);
    progress.step(`tearing down ${handle.id}`);
    if (entry) await entry.cluster.stop('immediate').catch(() => {});
    await rm(dir, { recursive: true, force: true });
    this.staging.delete(handle.id);
  }

  /** Removes staging folders of earlier drills that were killed before their teardown. */
  sweepOrphans(progress: Progress, options: { dryRun?: boolean } = {}): Promise<OrphanSweep> {
    return localStagingSweeper(this.options.workDir, this.options.recoveryTimeoutMs).sweepOrphans(
      progress,
      options,
    );
  }

  /** The server log of a staging cluster (for failure details). */
  async serverLog(handle: StagingHandle): Promise<string> {
    return this.get(handle).cluster.log();
  }

  private get(handle: StagingHandle): Staging {
    const entry = this.staging.get(handle.id);
    if (!entry) throw new GuardError(`unknown staging handle ${handle.id}: not created by this drill`);
    return entry;
  }

  private async waitForState(
    cluster: LocalCluster,
    what: string,
    signal: AbortSignal,
    probe: (c: LocalCluster) => Promise<true | undefined>,
  ): Promise<void> {
    await waitFor(
      what,
      async () => {
        try {
          return await probe(cluster);
        } catch (error) {
          if (error instanceof RecoveryError) throw error;
          if (!(await cluster.isRunning())) {
            throw new RecoveryError(
              `staging server stopped during recovery: ${fatalLine(await cluster.log())}`,
            );
          }
          return undefined; // still starting up: not accepting connections yet
        }
      },
      // Polling is one cheap query: keep it tight, the RTO is measured to the moment recovery ends.
      { timeoutMs: this.options.recoveryTimeoutMs, intervalMs: 50, maxIntervalMs: 250, signal },
    );
  }
}

/**
 * The local sweep on its own (for `drillbook cleanup`, which needs no source or backup folder).
 * A drill holds its staging at most for the copy, two recovery waits (to the manifest's point,
 * then the roll-forward) and the allowance for the rest.
 */
export function localStagingSweeper(
  workDir: string,
  recoveryTimeoutMs: number,
): Required<Pick<RestoreTarget, 'sweepOrphans'>> {
  const limitMs = longestDrillMs({ provisionMs: COPY_TIMEOUT_MS, recoveryWaitsMs: 2 * recoveryTimeoutMs });
  return {
    sweepOrphans: (progress, options = {}) =>
      sweepLocalStaging({ workDir, limitMs, dryRun: options.dryRun ?? false }, progress),
  };
}

/** The most telling line of a failed recovery's log. */
function fatalLine(log: string): string {
  const lines = log.trim().split('\n');
  const fatal = lines.filter((l) => /FATAL|PANIC/.test(l)).at(-1);
  return (fatal ?? lines.at(-1) ?? '(empty log)').replace(/^.*?(FATAL|PANIC):\s*/, '$1: ');
}

async function assertMarked(dir: string): Promise<void> {
  const marker = join(dir, MARKER);
  if (!existsSync(marker))
    throw new GuardError(`refusing to delete ${dir}: it carries no drillbook staging marker`);
  const content = JSON.parse(await readFile(marker, 'utf8')) as { createdBy?: string };
  if (content.createdBy !== 'drillbook')
    throw new GuardError(`refusing to delete ${dir}: marker not written by drillbook`);
}

/** recovery_target_time wants "YYYY-MM-DD HH:MM:SS.mmm+00", not ISO's T/Z form. */
function pgTimestamp(time: Date): string {
  return `${time.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}
