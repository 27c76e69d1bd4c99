import type pg from 'pg';
import { type BlockingSession, LockWaitError } from '../core/errors.js';
import {
  isCancellableAutovacuum,
  type LockPolicy,
  lockBackoffMs,
  lockWaitMessage,
} from '../core/lockWait.js';
import { sleep } from '../core/wait.js';
import { connect, quoteTable } from './connection.js';

/** One database whose tables the point holds still: `hold` are existing, schema-qualified tables. */
export interface HeldDatabase {
  database: string;
  url: string;
  hold: string[];
}

interface Session extends HeldDatabase {
  /** Takes the SHARE locks (writes wait, reads go on) and commits as soon as the point is marked. */
  locker: pg.Client;
  /** REPEATABLE READ: ACCESS SHARE locks, then the exported snapshot; open until the pass ends. */
  exporter: pg.Client;
  pids: number[];
}

const LOCK_TIMEOUT_CODES = new Set(['55P03', '57014']); // lock_not_available, query_canceled

/**
 * Holds the tables of several databases still for an instant, all at the same moment: one
 * locker connection per database takes SHARE locks (every database in one attempt, released
 * together), each database's snapshot is exported while they are held, the caller marks the
 * point (restore point / held second) and releases. Counts and checksums are then computed in
 * the snapshots, while production writes go on.
 *
 * Costs on the source: writes to the held tables wait while a lock attempt waits (at most
 * `timeoutMs` each, then the attempt gives up and backs off, so a long-running writer does not
 * queue every other writer behind the backup) and while the locks are held (milliseconds: two
 * snapshot exports and a restore point; on RDS the held second, 2-3 s). Each exported snapshot
 * holds back vacuum's xmin until its database's pass ends (dead rows newer than it are kept that
 * long). The snapshot sessions keep ACCESS SHARE locks on the tables during the pass (so that no
 * TRUNCATE or table rewrite, which are not MVCC-safe, changes what the snapshot sees): they
 * conflict only with DDL (ALTER/DROP/TRUNCATE/VACUUM FULL/CLUSTER), which waits for the pass.
 */
export class ConsistentPoint {
  private lockedAt: number | null = null;
  private sampling: Promise<void> = Promise.resolve();

  private constructor(
    private readonly sessions: Session[],
    /** A plain connection to the source URL's database: samples blockers, marks the point. */
    readonly home: pg.Client,
  ) {}

  /** Opens the connections up front, so that the locked window is only a few round trips. */
  static async open(databases: readonly HeldDatabase[], home: pg.Client): Promise<ConsistentPoint> {
    const sessions: Session[] = [];
    try {
      for (const db of databases.filter((d) => d.hold.length > 0)) {
        const locker = await connect(db.url, { applicationName: 'drillbook-manifest-lock' });
        const exporter = await connect(db.url, { applicationName: 'drillbook-manifest-snapshot' }).catch(
          async (error: unknown) => {
            await locker.end().catch(() => {});
            throw error;
          },
        );
        sessions.push({ ...db, locker, exporter, pids: [] });
      }
      for (const s of sessions) s.pids = [await backendPid(s.locker), await backendPid(s.exporter)];
      return new ConsistentPoint(sessions, home);
    } catch (error) {
      await Promise.all(sessions.flatMap((s) => [s.locker.end(), s.exporter.end()])).catch(() => {});
      throw error;
    }
  }

  get databases(): number {
    return this.sessions.length;
  }

  /**
   * Takes every lock in one attempt, retrying failed attempts with backoff; throws LockWaitError
   * naming the sessions that were in the way when the budget is spent.
   */
  async lock(
    policy: LockPolicy,
  ): Promise<{ attempts: number; waitedMs: number; lockedAt: string; blockers: BlockingSession[] }> {
    const started = performance.now();
    const attempts = Math.max(1, policy.attempts);
    let blockers: BlockingSession[] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const seen = new Map<number, BlockingSession>();
      const failure = await this.attempt(policy.timeoutMs, seen);
      if (failure === null) {
        this.lockedAt = performance.now();
        const waitedMs = Math.round(this.lockedAt - started);
        return { attempts: attempt, waitedMs, lockedAt: new Date().toISOString(), blockers };
      }
      await this.sampling;
      if (seen.size > 0) blockers = [...seen.values()];
      await this.cancelAutovacuum(blockers);
      if (attempt < attempts) await sleep(lockBackoffMs(attempt, policy));
    }
    throw new LockWaitError(lockWaitMessage(policy, blockers), blockers);
  }

  /**
   * Autovacuum's SHARE UPDATE EXCLUSIVE lock conflicts with SHARE, and Postgres cancels the worker
   * for a waiter only after deadlock_timeout (1 s), longer than an attempt waits: so the backup
   * does what Postgres would do, once the attempt gave up. Needs the right to signal it
   * (superuser); without, the retries wait the worker out.
   */
  private async cancelAutovacuum(blockers: readonly BlockingSession[]): Promise<void> {
    const pids = blockers.filter(isCancellableAutovacuum).map((b) => b.pid);
    if (pids.length === 0) return;
    await this.home
      .query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids])
      .catch(() => {});
  }

  /** One attempt on every database at once; null when every lock was granted, else rolled back. */
  private async attempt(timeoutMs: number, seen: Map<number, BlockingSession>): Promise<'timeout' | null> {
    let settled = false;
    const attempt = Promise.allSettled(this.sessions.map((s) => lockSession(s, timeoutMs))).finally(() => {
      settled = true;
    });
    const pids = this.sessions.flatMap((s) => s.pids);
    const interval = Math.max(20, Math.floor(timeoutMs / 4));
    this.sampling = (async () => {
      for (;;) {
        await Promise.race([attempt, sleep(interval)]);
        if (settled) return;
        for (const b of await blockersOf(this.home, pids).catch(() => [])) seen.set(b.pid, b);
      }
    })();
    const results = await attempt;
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length === 0) return null;
    await Promise.all(
      this.sessions.flatMap((s) => [s.locker.query('ROLLBACK'), s.exporter.query('ROLLBACK')]),
    );
    const other = errors.find((e) => !LOCK_TIMEOUT_CODES.has((e as { code?: string }).code ?? ''));
    if (other !== undefined) throw other;
    return 'timeout';
  }

  /** One snapshot id per database, exported while the locks are held. */
  async exportSnapshots(): Promise<Map<string, string>> {
    const ids = await Promise.all(
      this.sessions.map(async (s) => {
        const { rows } = await s.exporter.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
        return [s.database, rows[0]!.id] as const;
      }),
    );
    return new Map(ids);
  }

  /** Releases every SHARE lock (the snapshots stay); returns how long they were held, in ms. */
  async release(): Promise<{ heldMs: number; releasedAt: string }> {
    await Promise.all(this.sessions.map((s) => s.locker.query('COMMIT')));
    const held = this.lockedAt === null ? 0 : performance.now() - this.lockedAt;
    return { heldMs: Math.round(held), releasedAt: new Date().toISOString() };
  }

  /** A session reading inside the database's snapshot (the home connection when nothing is held there). */
  reader(database: string): pg.Client {
    return this.sessions.find((s) => s.database === database)?.exporter ?? this.home;
  }

  /** Ends a database's snapshot once its pass is done (vacuum may go on). */
  async finish(database: string): Promise<void> {
    await this.sessions.find((s) => s.database === database)?.exporter.query('COMMIT');
  }

  /** Ends every connection but `home` (whatever is still open is rolled back with it). */
  async close(): Promise<void> {
    await this.sampling.catch(() => {});
    await Promise.all(this.sessions.flatMap((s) => [s.locker.end(), s.exporter.end()])).catch(() => {});
  }
}

/** SHARE locks on the locker, ACCESS SHARE on the exporter, each statement bounded by `timeoutMs`. */
async function lockSession(s: Session, timeoutMs: number): Promise<void> {
  const tables = s.hold.map(quoteTable).join(', ');
  const limits = `SET LOCAL lock_timeout = ${Math.round(timeoutMs)}; SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`;
  await s.locker.query(`BEGIN; ${limits}`);
  await s.locker.query(`LOCK TABLE ${tables} IN SHARE MODE`);
  await s.locker.query('SET LOCAL statement_timeout TO DEFAULT');
  await s.exporter.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${limits}`);
  await s.exporter.query(`LOCK TABLE ${tables} IN ACCESS SHARE MODE`);
  await s.exporter.query('SET LOCAL statement_timeout TO DEFAULT');
}

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

/** The sessions our waiting lock requests wait for (holders, or conflicting requests queued first). */
async function blockersOf(client: pg.Client, pids: readonly number[]): Promise<BlockingSession[]> {
  const { rows } = await client.query<{
    pid: number;
    datname: string | null;
    backend_type: string | null;
    application_name: string | null;
    state: string | null;
    xact_start: Date | null;
    query: string | null;
  }>(
    `SELECT a.pid, a.datname, a.backend_type, a.application_name, a.state, a.xact_start, left(a.query, 200) AS query
       FROM pg_stat_activity a
      WHERE a.pid IN (SELECT unnest(pg_blocking_pids(p)) FROM unnest($1::int[]) AS p)
        AND a.pid <> ALL($1::int[])`,
    [pids],
  );
  return rows.map((r) => ({
    pid: r.pid,
    database: r.datname,
    backendType: r.backend_type,
    applicationName: r.application_name ?? '',
    state: r.state,
    xactStart: r.xact_start ? r.xact_start.toISOString() : null,
    query: r.query ?? '',
  }));
}
