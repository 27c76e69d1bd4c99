import { defaultLockPolicy, describeBlockers, type LockPolicy } from '../core/lockWait.js';
import type { Manifest, TableFingerprint } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import type { ManifestLocks, SourceDatabase } from '../ports.js';
import { connect, withClient } from './connection.js';
import { ConsistentPoint, type HeldDatabase } from './consistentPoint.js';
import { coveredDatabases, currentDatabase, urlInDatabase } from './databases.js';
import { fingerprintTables, listUserTables, migrationHead, qualify, serverVersion } from './fingerprint.js';
import { ensureHeartbeatTable, writeHeartbeat } from './heartbeat.js';
import { captureSourceFacts } from './sourceFacts.js';

export interface PgSourceOptions {
  url: string;
  system: string;
  heartbeatTable: string;
  migrationsTable?: string | undefined;
  /** Tables the manifest covers in the URL's database; default: every user table except the heartbeat. */
  tables?: string[] | undefined;
  /**
   * Databases the manifest covers; default: every non-template database that allows connections
   * and that the login may connect to. Other databases than the URL's are read with the same login.
   */
  databases?: string[] | undefined;
  /** How long each attempt at the manifest's locks may wait, how often to retry (lib/core/lockWait.ts). */
  locks?: Partial<LockPolicy>;
  /** Connections per database for the checksum pass. */
  parallel?: number;
  /** Where the archive_command is expected to copy WAL (checked by checkArchiving). */
  archiveDir?: string;
  /**
   * How the manifest's point is marked. "restore-point" (default): pg_create_restore_point and a
   * WAL switch (needs superuser; the local target). "held-second": for managed Postgres (RDS),
   * which allows neither and cannot recover to a named point: the locks are held over a whole
   * second and that second is the point, so a point-in-time restore to it matches the manifest.
   */
  pointMarking?: 'restore-point' | 'held-second';
}

interface DatabasePlan extends HeldDatabase {
  /** What the manifest fingerprints (the held tables but the migrations table). */
  tables: string[];
}

/**
 * The production database, through pg. The manifest's point is taken in an instant: every
 * covered database's tables are SHARE-locked together (short, retried lock waits), a snapshot of
 * each database is exported and the point marked (a named restore point, or the held second on
 * RDS) under those locks, and the locks are released at once. Counts and checksums are then
 * computed inside the exported snapshots while writes go on, so a restore to the point matches
 * exactly. What this costs production is described on ConsistentPoint.
 */
export class PgSourceDatabase implements SourceDatabase {
  constructor(private readonly options: PgSourceOptions) {}

  async writeHeartbeat(): Promise<Date> {
    return withClient(this.options.url, async (client) => {
      await ensureHeartbeatTable(client, this.options.heartbeatTable);
      return writeHeartbeat(client, this.options.heartbeatTable, this.options.system);
    });
  }

  async captureManifest(meta: {
    system: string;
    backupId: string;
    onLocks?: (locks: ManifestLocks) => void;
  }): Promise<Manifest> {
    const home = await connect(this.options.url, { applicationName: 'drillbook-manifest' });
    let point: ConsistentPoint | null = null;
    try {
      const homeDb = await currentDatabase(home);
      const plans = await this.plan(homeDb, await coveredDatabases(home, this.options.databases));
      point = await ConsistentPoint.open(plans, home);
      const { attempts, waitedMs, lockedAt, blockers } = await point.lock({
        ...defaultLockPolicy,
        ...this.options.locks,
      });
      const snapshots = await point.exportSnapshots();
      const heldSecond = this.options.pointMarking === 'held-second';
      const name = `drillbook-${meta.backupId}`;
      const restorePoint = heldSecond
        ? await nextWholeSecond(home, name)
        : await createRestorePoint(home, name);
      const locked = point;
      // The locks go now; on RDS once the held second is over, while the checksum pass already runs.
      const released = heldSecond
        ? holdPast(home, restorePoint.time).then(() => locked.release())
        : Promise.resolve(await point.release());
      released.catch(() => {});
      // Close the WAL segment holding the restore point so that it is archived now, not at archive_timeout.
      if (!heldSecond) await home.query('SELECT pg_switch_wal()');
      const reader = point.reader(homeDb);
      const head = await migrationHead(reader, this.options.migrationsTable);
      const version = await serverVersion(reader);
      const tables = await this.fingerprintInSnapshots(plans, snapshots, point);
      const { heldMs, releasedAt } = await released;
      meta.onLocks?.({
        attempts,
        waitedMs,
        heldMs,
        lockedAt,
        releasedAt,
        databases: point.databases,
        ...(attempts > 1 ? { waitedFor: describeBlockers(blockers) } : {}),
      });
      return {
        system: meta.system,
        backupId: meta.backupId,
        capturedAt: restorePoint.time,
        postgresVersion: version,
        migrationHead: head,
        tables,
        databases: plans.map((p) => p.database),
        restorePoint,
        // Settings and extensions change rarely and need no consistent view: read after the locks.
        source: await captureSourceFacts(
          this.options.url,
          plans.map((p) => p.database),
        ),
      };
    } finally {
      await point?.close();
      await home.end().catch(() => {});
    }
  }

  /** Counts and checksums of each database inside its snapshot, ended as soon as its pass is done. */
  private async fingerprintInSnapshots(
    plans: readonly DatabasePlan[],
    snapshots: ReadonlyMap<string, string>,
    point: ConsistentPoint,
  ): Promise<TableFingerprint[]> {
    const tables: TableFingerprint[] = [];
    for (const plan of plans) {
      const snapshot = snapshots.get(plan.database);
      const found = await fingerprintTables(plan.url, plan.tables, {
        parallel: this.options.parallel ?? 2,
        ...(snapshot ? { snapshot } : {}),
      });
      await point.finish(plan.database);
      tables.push(...found.map((t) => ({ ...t, database: plan.database })));
    }
    return tables;
  }

  /** Per database: the tables to fingerprint and the existing ones to hold (migrations table included). */
  private async plan(homeDb: string, databases: readonly string[]): Promise<DatabasePlan[]> {
    const plans: DatabasePlan[] = [];
    for (const database of databases) {
      const url = urlInDatabase(this.options.url, homeDb, database);
      const configured = database === homeDb ? this.options.tables?.map(qualify) : undefined;
      const migrations =
        database === homeDb && this.options.migrationsTable ? [qualify(this.options.migrationsTable)] : [];
      const { tables, hold } = await withClient(url, async (client) => {
        const tables = configured ?? (await listUserTables(client, [this.options.heartbeatTable]));
        return { tables, hold: await existingTables(client, [...tables, ...migrations]) };
      });
      plans.push({ database, url, tables, hold });
    }
    return plans;
  }

  /** archive_mode on, archiving into the backup folder, and no failure newer than the last success. */
  async checkArchiving(): Promise<Check> {
    return withClient(this.options.url, async (client) => {
      const { rows } = await client.query<{
        mode: string;
        command: string;
        failed: string;
        last_failed: Date | null;
        last_archived: Date | null;
      }>(
        `SELECT current_setting('archive_mode') AS mode, current_setting('archive_command') AS command,
                failed_count::text AS failed, last_failed_time AS last_failed, last_archived_time AS last_archived
           FROM pg_stat_archiver`,
      );
      const s = rows[0]!;
      if (s.mode === 'off')
        return { name: 'wal-archiving', outcome: 'failed', detail: 'archive_mode is off on the source' };
      if (this.options.archiveDir && !s.command.includes(this.options.archiveDir)) {
        return {
          name: 'wal-archiving',
          outcome: 'failed',
          detail: `archive_command does not write to ${this.options.archiveDir}`,
        };
      }
      if (s.last_failed && (!s.last_archived || s.last_failed > s.last_archived)) {
        return {
          name: 'wal-archiving',
          outcome: 'failed',
          detail: `archiving is failing since ${s.last_failed.toISOString()}`,
        };
      }
      return {
        name: 'wal-archiving',
        outcome: 'passed',
        detail: s.last_archived
          ? `last segment archived ${s.last_archived.toISOString()}`
          : 'archiving on, nothing archived yet',
      };
    });
  }
}

async function existingTables(client: import('pg').Client, tables: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of tables) {
    const { rows } = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [
      table,
    ]);
    if (rows[0]?.oid) found.push(table);
  }
  return found;
}

/** Writes a named restore point; returns its LSN and the server's time. */
export async function createRestorePoint(
  client: import('pg').Client,
  name: string,
): Promise<{ name: string; lsn: string; time: string }> {
  const { rows } = await client.query<{ lsn: string; at: Date }>(
    'SELECT pg_create_restore_point($1)::text AS lsn, clock_timestamp() AS at',
    [name],
  );
  return { name, lsn: rows[0]!.lsn, time: rows[0]!.at.toISOString() };
}

/**
 * The first whole second after the locks were taken: nothing committed to the held tables after
 * the lock and before the release, so a restore to this second shows exactly the manifest.
 */
export async function nextWholeSecond(
  client: import('pg').Client,
  name: string,
): Promise<{ name: string; lsn: string; time: string }> {
  const { rows } = await client.query<{ lsn: string; at: Date }>(
    `SELECT pg_current_wal_lsn()::text AS lsn,
            date_trunc('second', clock_timestamp()) + interval '1 second' AS at`,
  );
  return { name, lsn: rows[0]!.lsn, time: rows[0]!.at.toISOString() };
}

/** Keeps the locks until the held second is over (plus a second against clock rounding). */
export async function holdPast(client: import('pg').Client, point: string): Promise<void> {
  await client.query(
    `SELECT pg_sleep(GREATEST(0, extract(epoch FROM ($1::timestamptz + interval '2 seconds' - clock_timestamp()))))`,
    [point],
  );
}
