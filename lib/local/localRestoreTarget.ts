import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, GuardError, LoginError, RecoveryError } from '../core/errors.js';
import { longestDrillMs, type OrphanSweep, type StagingMarker } from '../core/orphans.js';
import type { Check } from '../core/report.js';
import { explainStop, failureSummary } from '../core/serverLog.js';
import {
  describeRaised,
  insufficientSettings,
  parseControlData,
  type RaisedSetting,
  type RecoveryParameter,
  type RecoveryValues,
  recoverySettings,
} from '../core/stagingSettings.js';
import { waitFor } from '../core/wait.js';
import { withHostPort } from '../pg/connection.js';
import { STAGING_MARK } from '../pg/masking.js';
import type { BackupRecord, Progress, RecoveryTarget, RestoreTarget, StagingHandle } from '../ports.js';
import { giveToServerUser, run } from './exec.js';
import { STAGING_MARKER as MARKER, STAGING_PREFIX, sweepLocalStaging } from './orphanSweep.js';
import { LocalCluster } from './pgCluster.js';
import { currentOwner } from './processIdentity.js';
import { removeClusterDir } from './socketDir.js';

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
  /** Where staging's recovery parameters come from (set at recovery; raised when recovery asks). */
  sources?: Parameters<typeof recoverySettings>[0];
  /** Settings a paused or aborted recovery asked for, each with the value staging had before. */
  raisedInRecovery?: RaisedSetting[];
  /** How many of those recoveryChecks() already reported. */
  reported?: number;
}

/** Where a recovery should end: paused at the manifest's point, or promoted and open. */
type RecoveryGoal = 'paused' | 'open';

/** How often a recovery may ask for higher settings before the drill gives up. */
const MAX_SETTING_RAISES = 3;
/** How much of a staging server's log is kept with the report. */
const SERVER_LOG_LIMIT = 256 * 1024;

/**
 * Restores into throwaway staging clusters on this machine: copy the base backup, recover from
 * the WAL archive to the manifest's restore point (paused, read-only), then roll forward to the
 * drill's target and promote. Teardown removes only folders carrying the drill's marker file.
 */
export class LocalRestoreTarget implements RestoreTarget {
  private readonly staging = new Map<string, Staging>();
  private readonly keptLogs = new Map<string, string | null>();

  constructor(private readonly options: LocalRestoreOptions) {}

  async provision(backup: BackupRecord, progress: Progress, signal: AbortSignal): Promise<StagingHandle> {
    const id = `${STAGING_PREFIX}${backup.id}-${Date.now().toString(36)}`;
    const dir = join(this.options.workDir, id);
    await mkdir(this.options.workDir, { recursive: true });
    await mkdir(dir);
    try {
      const staging = await this.layDown(id, dir, backup, progress, signal);
      this.staging.set(id, staging);
      return staging.handle;
    } catch (error) {
      // The drill's state learns of staging only once provision returns, so a provision that fails
      // half-way (the copy fails or is interrupted) removes its folder here: nothing runs in it yet.
      await removeClusterDir(dir).catch((cleanup: unknown) => {
        progress.step(`could not remove the half-made staging ${dir}: ${describeError(cleanup)}`);
      });
      throw error;
    }
  }

  /** Marks the new staging folder as the drill's and copies the base backup into it. */
  private async layDown(
    id: string,
    dir: string,
    backup: BackupRecord,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<Staging> {
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
    const handle: StagingHandle = { id, connectionString: stagingUrl(this.options.sourceUrl, cluster.port) };
    progress.step(`copying base backup ${backup.id} into ${cluster.dataDir}`);
    await run('cp', ['-a', backup.location, cluster.dataDir], {
      asServerUser: true,
      timeoutMs: COPY_TIMEOUT_MS,
      signal,
    });
    await rm(join(cluster.dataDir, 'drillbook-backup.json'), { force: true });
    await run('chmod', ['0700', cluster.dataDir], { asServerUser: true });
    return { cluster, handle };
  }

  async recoverToManifest(
    handle: StagingHandle,
    backup: BackupRecord,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void> {
    const entry = this.get(handle);
    const point = backup.manifest?.restorePoint;
    const source = backup.manifest?.source;
    // What the source ran with, from the backup itself: its control file, and the manifest's facts.
    const control = parseControlData(await entry.cluster.controlData());
    entry.sources = { controlFile: control.values, ...(source ? { manifest: source.recovery } : {}) };
    const { settings } = recoverySettings(entry.sources);
    await entry.cluster.overrideForRestore({
      [STAGING_MARK]: 'staging',
      ...settings,
      ...(control.walLevel === 'logical' ? { wal_level: 'logical' } : { wal_level: 'replica' }),
      // A source whose config lives outside its data folder brings no preload list along: the manifest has it.
      ...(source ? { shared_preload_libraries: source.preloadLibraries.join(',') } : {}),
      restore_command: `cp '${this.options.archiveDir}/%f' '%p'`,
      hot_standby: 'on',
      ...(point ? { recovery_target_name: point.name } : { recovery_target: 'immediate' }),
      recovery_target_action: 'pause',
    });
    await writeFile(join(entry.cluster.dataDir, 'recovery.signal'), '');
    giveToServerUser(join(entry.cluster.dataDir, 'recovery.signal'));
    progress.step(
      `replaying WAL to ${point ? `restore point ${point.name}` : "the backup's consistent point"}`,
    );
    // pg_ctl returns before archive recovery ends: wait until replay is paused at the target.
    await this.recoverUntil(entry, 'paused', progress, signal, async (c) => {
      const state = await replayState(c);
      if (state === 'open') throw new RecoveryError('recovery ended without pausing at the restore point');
      return state;
    });
  }

  async rollForward(
    handle: StagingHandle,
    target: RecoveryTarget,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<void> {
    const entry = this.get(handle);
    const { cluster } = entry;
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
    await this.recoverUntil(entry, 'open', progress, signal, replayState);
  }

  /**
   * What recovery needed raised, as a check: at the first call everything (from the backup's
   * control file and the manifest, and what recovery asked for); later (after the roll-forward)
   * only what recovery asked for since, when it asked for anything.
   */
  async recoveryChecks(handle: StagingHandle): Promise<Check[]> {
    const entry = this.staging.get(handle.id);
    if (!entry?.sources) return [];
    const during = entry.raisedInRecovery ?? [];
    const first = entry.reported === undefined;
    const fresh = during.slice(entry.reported ?? 0);
    entry.reported = during.length;
    if (first) {
      const fromBackup = recoverySettings({ ...entry.sources, recovery: {} }).raised;
      return [
        {
          name: 'staging-recovery-settings',
          outcome: 'passed',
          detail: describeRaised([...fromBackup, ...fresh]),
        },
      ];
    }
    if (fresh.length === 0) return [];
    return [{ name: 'staging-recovery-settings', outcome: 'passed', detail: describeRaised(fresh) }];
  }
  async teardown(handle: StagingHandle, progress: Progress): Promise<void> {
    const dir = join(this.options.workDir, handle.id);
    const entry = this.staging.get(handle.id);
    if (!existsSync(dir)) return; // already gone: teardown is idempotent
    await assertMarked(dir);
    progress.step(`tearing down ${handle.id}`);
    if (entry) await entry.cluster.stop('immediate').catch(() => {});
    // The log outlives the copy: a failed drill's report carries it (see serverLog).
    this.keptLogs.set(handle.id, await readLogTail(join(dir, 'postgres.log')));
    await removeClusterDir(dir);
    this.staging.delete(handle.id);
  }

  /** Removes staging folders of earlier drills that were killed before their teardown. */
  sweepOrphans(progress: Progress, options: { dryRun?: boolean } = {}): Promise<OrphanSweep> {
    return localStagingSweeper(this.options.workDir, this.options.recoveryTimeoutMs).sweepOrphans(
      progress,
      options,
    );
  }

  /** The staging server's log (its newest SERVER_LOG_LIMIT bytes), also after teardown. */
  async serverLog(handle: StagingHandle): Promise<string | null> {
    const kept = this.keptLogs.get(handle.id);
    if (kept !== undefined) return kept;
    return readLogTail(join(this.options.workDir, handle.id, 'postgres.log'));
  }

  private get(handle: StagingHandle): Staging {
    const entry = this.staging.get(handle.id);
    if (!entry) throw new GuardError(`unknown staging handle ${handle.id}: not created by this drill`);
    return entry;
  }

  /**
   * Starts the server and waits for `probe` to say recovery reached its goal. A recovery that
   * pauses or aborts because a setting is lower than the source's (raised on the source after
   * the backup, so neither its control file nor the manifest knew) gets that setting raised and
   * is restarted, a bounded number of times; the check from recoveryChecks() reports it.
   */
  private async recoverUntil(
    entry: Staging,
    goal: RecoveryGoal,
    progress: Progress,
    signal: AbortSignal,
    probe: (c: LocalCluster) => Promise<ReplayState>,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const from = await entry.cluster.logSize();
      try {
        await entry.cluster.startInBackground();
        await this.waitForState(entry.cluster, goal, from, signal, probe);
        return;
      } catch (caught) {
        // The same shortfall can stop the server at start (FATAL "recovery aborted") or pause it.
        const error =
          caught instanceof InsufficientSettingsError
            ? caught
            : ((await tooLowIn(entry.cluster, from)) ?? caught);
        if (!(error instanceof InsufficientSettingsError) || attempt >= MAX_SETTING_RAISES) throw error;
        const sources = entry.sources ?? {};
        const before = recoverySettings(sources).settings;
        const recovery = { ...sources.recovery };
        for (const [name, value] of Object.entries(error.needed) as [RecoveryParameter, number][]) {
          recovery[name] = Math.max(recovery[name] ?? 0, value);
          if (value > before[name]) {
            entry.raisedInRecovery = [
              ...(entry.raisedInRecovery ?? []),
              { name, value, was: before[name], because: 'recovery' },
            ];
          }
        }
        entry.sources = { ...sources, recovery };
        const { settings } = recoverySettings(entry.sources);
        progress.step(
          `recovery needs higher settings than staging had (${error.message}): raising and restarting`,
        );
        await entry.cluster.stop('immediate');
        await entry.cluster.writeSettings(settings, 'postgresql.auto.conf');
      }
    }
  }

  /**
   * Polls `probe` until it reaches `goal` ("paused" at the target, or "open" after promotion). A
   * pause counts only when the log since `from` does not say
   * recovery paused for insufficient settings. A refused login is reported at once with the
   * server's message; a server that stopped is reported with its FATAL/DETAIL lines.
   */
  private async waitForState(
    cluster: LocalCluster,
    goal: RecoveryGoal,
    from: number,
    signal: AbortSignal,
    probe: (c: LocalCluster) => Promise<ReplayState>,
  ): Promise<void> {
    const insufficient = () => tooLowIn(cluster, from);
    await waitFor(
      goal === 'paused'
        ? 'recovery to pause at the restore point'
        : 'recovery to end and the database to open',
      async () => {
        let state: ReplayState;
        try {
          state = await probe(cluster);
        } catch (error) {
          if (error instanceof RecoveryError) throw error;
          if (isLoginRefused(error)) {
            const hint =
              (error as { code?: unknown }).code === '28P01'
                ? " (the copy holds the passwords of the backup's time: if this one changed since, take a new backup or log in with the old one)"
                : '';
            throw new RecoveryError(`staging refused the drill's login: ${describeError(error)}${hint}`, {
              cause: error,
            });
          }
          if (isServerError(error)) {
            throw new RecoveryError(`staging answered with an error: ${describeError(error)}`, {
              cause: error,
            });
          }
          if (!(await cluster.isRunning())) {
            const tooLow = await insufficient();
            if (tooLow) throw tooLow;
            throw new RecoveryError(explainStop(await cluster.log(from)));
          }
          return undefined; // still starting up: not accepting connections yet
        }
        if (state === 'paused') {
          const tooLow = await insufficient();
          if (tooLow) throw tooLow;
          if (goal === 'open') throw new RecoveryError('recovery paused before reaching its target');
          return true;
        }
        return state === goal ? true : undefined; // still replaying
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

/** Recovery stopped because staging runs a setting lower than the source's; `needed` says how high. */
class InsufficientSettingsError extends RecoveryError {
  constructor(
    readonly needed: RecoveryValues,
    summary: string | null,
  ) {
    super(
      summary ??
        Object.entries(needed)
          .map(([k, v]) => `${k} must be at least ${v}`)
          .join(', '),
    );
  }
}

/** Authentication, authorization or a missing database: waiting longer will not help. */
function isLoginRefused(error: unknown): boolean {
  if (error instanceof LoginError) return true;
  const code = (error as { code?: unknown }).code;
  return code === '28P01' || code === '28000' || code === '3D000' || code === '42501';
}

type ReplayState = 'replaying' | 'paused' | 'open';

/** Where a staging server's recovery is: replaying WAL, paused, or over (promoted, read-write). */
async function replayState(cluster: LocalCluster): Promise<ReplayState> {
  const rows = await cluster.query<{ state: string }>(
    `SELECT CASE WHEN NOT pg_is_in_recovery() THEN 'open'
                 WHEN pg_get_wal_replay_pause_state() = 'paused' THEN 'paused'
                 ELSE 'replaying' END AS state`,
  );
  return rows[0]!.state as ReplayState;
}

/**
 * An error the running server answered with (a SQLSTATE), other than "not accepting connections
 * yet" (57P03 and other class 57) and connection failures (class 08): polling again will not help.
 */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('57') && !code.startsWith('08')
  );
}

/** Whether a recovery stopped for a setting lower than the source's, from the log since `from`. */
async function tooLowIn(cluster: LocalCluster, from: number): Promise<InsufficientSettingsError | null> {
  const log = await cluster.log(from);
  const needed = insufficientSettings(log);
  return Object.keys(needed).length > 0 ? new InsufficientSettingsError(needed, failureSummary(log)) : null;
}

/** The newest SERVER_LOG_LIMIT bytes of a log file, or null when there is none. */
async function readLogTail(path: string): Promise<string | null> {
  if (!existsSync(path)) return null;
  const text = await readFile(path);
  if (text.length <= SERVER_LOG_LIMIT) return text.toString('utf8');
  return `[... ${text.length - SERVER_LOG_LIMIT} earlier bytes cut ...]\n${text.subarray(-SERVER_LOG_LIMIT).toString('utf8')}`;
}

async function assertMarked(dir: string): Promise<void> {
  const marker = join(dir, MARKER);
  if (!existsSync(marker))
    throw new GuardError(`refusing to delete ${dir}: it carries no drillbook staging marker`);
  const content = JSON.parse(await readFile(marker, 'utf8')) as { createdBy?: string };
  if (content.createdBy !== 'drillbook')
    throw new GuardError(`refusing to delete ${dir}: marker not written by drillbook`);
}

/**
 * The source's login at staging's loopback port, without TLS: staging listens on 127.0.0.1 only
 * and does not use the source's certificates (they may live outside its data folder).
 */
function stagingUrl(sourceUrl: string, port: number): string {
  const url = new URL(withHostPort(sourceUrl, '127.0.0.1', port));
  for (const param of ['sslrootcert', 'sslcert', 'sslkey', 'sslcrl', 'uselibpqcompat'])
    url.searchParams.delete(param);
  url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

/** recovery_target_time wants "YYYY-MM-DD HH:MM:SS.mmm+00", not ISO's T/Z form. */
function pgTimestamp(time: Date): string {
  return `${time.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}
