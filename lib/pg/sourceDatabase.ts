import type { Manifest } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import type { SourceDatabase } from '../ports.js';
import { connect, quoteTable, withClient } from './connection.js';
import { fingerprintTables, listUserTables, migrationHead, qualify, serverVersion } from './fingerprint.js';
import { ensureHeartbeatTable, writeHeartbeat } from './heartbeat.js';
import { captureSourceFacts } from './sourceFacts.js';

export interface PgSourceOptions {
  url: string;
  system: string;
  heartbeatTable: string;
  migrationsTable?: string | undefined;
  /** Tables the manifest covers; default: every user table except the heartbeat. */
  tables?: string[] | undefined;
  /** Lock wait limit while holding the tables still for the manifest. */
  lockTimeoutMs?: number;
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

/**
 * The production database, through pg. The manifest is captured while its tables are held still
 * with SHARE locks (reads go on, writes wait for the few seconds the checksums take) and a named
 * restore point is written under the same locks: a restore to that point must match exactly.
 */
export class PgSourceDatabase implements SourceDatabase {
  constructor(private readonly options: PgSourceOptions) {}

  async writeHeartbeat(): Promise<Date> {
    return withClient(this.options.url, async (client) => {
      await ensureHeartbeatTable(client, this.options.heartbeatTable);
      return writeHeartbeat(client, this.options.heartbeatTable, this.options.system);
    });
  }

  async captureManifest(meta: { system: string; backupId: string }): Promise<Manifest> {
    const client = await connect(this.options.url, { applicationName: 'drillbook-manifest' });
    try {
      const tables =
        this.options.tables?.map(qualify) ?? (await listUserTables(client, [this.options.heartbeatTable]));
      const held = [
        ...tables,
        ...(this.options.migrationsTable ? [qualify(this.options.migrationsTable)] : []),
      ];
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      await client.query(`SET LOCAL lock_timeout = ${Number(this.options.lockTimeoutMs ?? 30_000)}`);
      const existing = await existingTables(client, held);
      if (existing.length > 0)
        await client.query(`LOCK TABLE ${existing.map(quoteTable).join(', ')} IN SHARE MODE`);
      const heldSecond = this.options.pointMarking === 'held-second';
      const name = `drillbook-${meta.backupId}`;
      const restorePoint = heldSecond
        ? await nextWholeSecond(client, name)
        : await createRestorePoint(client, name);
      const fingerprints = await fingerprintTables(this.options.url, tables);
      const manifest: Manifest = {
        system: meta.system,
        backupId: meta.backupId,
        capturedAt: restorePoint.time,
        postgresVersion: await serverVersion(client),
        migrationHead: await migrationHead(client, this.options.migrationsTable),
        tables: fingerprints,
        restorePoint,
      };
      if (heldSecond) await holdPast(client, restorePoint.time);
      await client.query('COMMIT');
      // Close the WAL segment holding the restore point so that it is archived now, not at archive_timeout.
      if (!heldSecond) await client.query('SELECT pg_switch_wal()');
      // Settings and extensions change rarely and need no consistent view: read after the locks.
      manifest.source = await captureSourceFacts(this.options.url);
      return manifest;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      await client.end().catch(() => {});
    }
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
