import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { LockPolicy } from '../../../lib/core/lockWait.js';
import type { Manifest } from '../../../lib/core/manifest.js';
import type { Report } from '../../../lib/core/report.js';
import { localBackupDir, localBackups, localSource } from '../../../lib/local/wiring.js';
import { PgSourceDatabase } from '../../../lib/pg/sourceDatabase.js';
import type { ManifestLocks, SourceDatabase } from '../../../lib/ports.js';
import { check, type DrillFixture, drillFixture } from '../../helpers/drillFixture.js';
import { archiveNow, backup, drill } from '../../helpers/drillJobs.js';
import { cleanupPostgresAfterAll } from '../../helpers/postgres.js';

/**
 * The backup on a source that is being used: several databases, long transactions holding row
 * locks, writes running through the checksum pass. The manifest's locks last an instant, the
 * counts and checksums come from an exported snapshot, and a restore to the manifest's point
 * still matches it exactly.
 */
cleanupPostgresAfterAll();

function sourceWith(f: DrillFixture, locks: Partial<LockPolicy>): PgSourceDatabase {
  return new PgSourceDatabase({
    url: f.system.database.sourceUrl,
    system: 'shop',
    heartbeatTable: f.system.database.heartbeatTable,
    migrationsTable: f.system.database.migrationsTable,
    archiveDir: join(localBackupDir(f.system), 'wal'),
    locks,
  });
}

async function manifestOf(f: DrillFixture, backupId: string): Promise<Manifest> {
  return (await localBackups(f.system).get(backupId))!.manifest!;
}

async function session(f: DrillFixture, database?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: f.pg.url(database), application_name: 'test-session' });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Writes in a loop on its own connection until stopped; counts its commits. */
function writer(f: DrillFixture, statement: (n: number) => [string, unknown[]]) {
  let stop = false;
  let commits = 0;
  let failure: unknown = null;
  const done = (async () => {
    const client = await session(f);
    try {
      while (!stop) {
        const [text, params] = statement(commits);
        await client.query(text, params);
        commits++;
      }
    } catch (error) {
      failure = error;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return {
    commits: () => commits,
    stop: async () => {
      stop = true;
      await done;
      if (failure) throw failure;
      return commits;
    },
  };
}

function locksOf(report: Report): ManifestLocks {
  return report.details?.['manifestLocks'] as ManifestLocks;
}

/** Polls until `condition` holds; fails the test after `timeoutMs`. */
async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True while a manifest lock request of the backup waits for a lock. */
async function backupWaitsForALock(f: DrillFixture): Promise<boolean> {
  const rows = await f.sql(
    "SELECT 1 FROM pg_stat_activity WHERE application_name = 'drillbook-manifest-lock' AND wait_event_type = 'Lock'",
  );
  return rows.length > 0;
}

describe('backup of a cluster with several databases', () => {
  it('covers every database at one point, and a drill names the database whose table differs', async () => {
    const f = await drillFixture();
    await f.sql('CREATE DATABASE billing');
    await f.pg.cluster.query(
      `CREATE TABLE invoices (id serial PRIMARY KEY, customer int NOT NULL, cents bigint NOT NULL);
       INSERT INTO invoices (customer, cents) SELECT g % 50, g * 100 FROM generate_series(1, 300) g;
       CREATE TABLE items (id int PRIMARY KEY, tag text);
       INSERT INTO items VALUES (1, 'same name as a table of postgres');`,
      [],
      'billing',
    );

    const b = await backup(f, 'shop-two-dbs');
    expect(b.report.outcome, b.report.reason).toBe('passed');
    const manifest = await manifestOf(f, 'shop-two-dbs');
    expect(manifest.databases).toEqual(['postgres', 'billing']);
    expect(manifest.tables.filter((t) => t.database === 'billing').map((t) => [t.table, t.rows])).toEqual([
      ['public.invoices', 300],
      ['public.items', 1],
    ]);
    expect(b.report.details?.['manifestLocks']).toMatchObject({ attempts: 1, databases: 2 });

    const passed = await drill(f);
    expect(passed.report.outcome, JSON.stringify(passed.report.checks)).toBe('passed');
    expect(check(passed.report, 'databases')).toMatchObject({
      outcome: 'passed',
      detail: 'postgres, billing restored',
    });

    // billing changes after its manifest; the point the drill verifies at comes after the change.
    const repo = localBackups(f.system);
    const taken = await repo.take('shop-billing-changed', f.progress);
    const late = await localSource(f.system).captureManifest({
      system: 'shop',
      backupId: 'shop-billing-changed',
    });
    await f.pg.cluster.query('UPDATE invoices SET cents = cents + 1 WHERE id = 7', [], 'billing');
    const [point] = await f.sql<{ lsn: string; at: Date }>(
      "SELECT pg_create_restore_point('late-point')::text AS lsn, clock_timestamp() AS at",
    );
    await repo.attachManifest(taken, {
      ...late,
      restorePoint: { name: 'late-point', lsn: point!.lsn, time: point!.at.toISOString() },
    });
    await archiveNow(f);

    const failed = await drill(f);
    expect(failed.report.outcome).toBe('failed');
    expect(check(failed.report, 'checksums')).toMatchObject({
      outcome: 'failed',
      detail: 'billing.public.invoices: checksum differs',
    });
    expect(check(failed.report, 'row-counts')?.outcome).toBe('passed');
  });

  it('covers only the configured databases', async () => {
    const f = await drillFixture();
    await f.sql('CREATE DATABASE billing');
    await f.sql('CREATE DATABASE scratch');
    await f.pg.cluster.query('CREATE TABLE invoices (id int)', [], 'billing');
    await f.pg.cluster.query('CREATE TABLE junk (id int)', [], 'scratch');
    const source = new PgSourceDatabase({
      url: f.system.database.sourceUrl,
      system: 'shop',
      heartbeatTable: f.system.database.heartbeatTable,
      databases: ['billing'],
    });
    const manifest = await source.captureManifest({ system: 'shop', backupId: 'only-billing' });
    expect(manifest.databases).toEqual(['billing']);
    expect(manifest.tables.map((t) => `${t.database}.${t.table}`)).toEqual(['billing.public.invoices']);

    const typo = new PgSourceDatabase({
      url: f.system.database.sourceUrl,
      system: 'shop',
      heartbeatTable: f.system.database.heartbeatTable,
      databases: ['biling'],
    });
    await expect(typo.captureManifest({ system: 'shop', backupId: 'typo' })).rejects.toThrow(
      /database\.databases: biling: no such database/,
    );
  });
});

describe('backup while long transactions hold row locks', () => {
  it('passes, and so does the drill, while a session holds SELECT ... FOR UPDATE for the whole backup', async () => {
    const f = await drillFixture();
    const holder = await session(f);
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM pgbench_accounts WHERE aid = 1 FOR UPDATE');
      const b = await backup(f, 'shop-for-update');
      expect(b.report.outcome, b.report.reason).toBe('passed');
      expect(locksOf(b.report).attempts).toBe(1);
    } finally {
      await holder.query('COMMIT').catch(() => {});
      await holder.end();
    }
    const d = await drill(f);
    expect(d.report.outcome, JSON.stringify(d.report.checks)).toBe('passed');
  });

  it('retries short lock waits behind an open UPDATE without stalling other writers, then passes', async () => {
    const f = await drillFixture();
    const blocker = await session(f);
    await blocker.query('BEGIN');
    await blocker.query("UPDATE customers SET name = 'busy' WHERE id = 1");
    // Another writer of the same table: its inserts would queue behind a backup lock request that waited long.
    const other = writer(f, (n) => [
      'INSERT INTO customers (name, email) VALUES ($1, $2)',
      [`late ${n}`, `late-${n}@example.com`],
    ]);
    const source = sourceWith(f, { timeoutMs: 100, attempts: 200, backoffMs: 50, maxBackoffMs: 100 });
    let finished = false;
    const running = backup(f, 'shop-behind-update', source).finally(() => {
      finished = true;
    });
    try {
      await until('the backup to wait for its locks', () => backupWaitsForALock(f));
      const before = other.commits();
      await until(
        'the other writer to commit 20 rows while the backup waits',
        () => other.commits() >= before + 20,
      );
      expect(finished).toBe(false);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    const b = await running;
    await other.stop();
    expect(b.report.outcome, b.report.reason).toBe('passed');
    expect(locksOf(b.report).attempts).toBeGreaterThan(1);
    expect(locksOf(b.report).waitedFor).toContain('application "test-session", state "idle in transaction"');
  });

  it('fails naming the blocking session when it never commits within the retry budget', async () => {
    const f = await drillFixture();
    const blocker = await session(f);
    try {
      const [{ pid }] = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [
        { pid: number },
      ];
      await blocker.query('BEGIN');
      await blocker.query("UPDATE customers SET name = 'stuck' WHERE id = 2");
      const b = await backup(
        f,
        'shop-stuck',
        sourceWith(f, { timeoutMs: 80, attempts: 3, backoffMs: 20, maxBackoffMs: 40 }),
      );
      expect(b.report.outcome).toBe('failed');
      expect(b.report.phases.find((p) => p.name === 'manifest')?.outcome).toBe('failed');
      expect(b.report.reason).toContain(`could not lock the manifest's tables in 3 attempts of 80 ms`);
      expect(b.report.reason).toContain(
        `pid ${pid} (database postgres, application "test-session", state "idle in transaction"`,
      );
      expect(b.report.reason).toContain('UPDATE customers');
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
    }
  });
});

describe('backup while writes run through the checksum pass', () => {
  it('records checksums that equal a restore to the manifest point, with writes committed during the pass', async () => {
    const f = await drillFixture();
    const inserts = writer(f, (n) => ['INSERT INTO items (tag) VALUES ($1)', [`live ${n}`]]);
    const updates = writer(f, (n) => [
      'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $1',
      [1 + ((n * 7919) % 100_000)],
    ]);
    // The moment the checksum pass ended (the job learns the lock figures then).
    let passEnded = 0;
    const base = localSource(f.system);
    const source: SourceDatabase = {
      writeHeartbeat: () => base.writeHeartbeat(),
      checkArchiving: () => base.checkArchiving(),
      captureManifest: (meta) =>
        base.captureManifest({
          ...meta,
          onLocks: (locks) => {
            passEnded = Date.now();
            meta.onLocks?.(locks);
          },
        }),
    };
    let b: Awaited<ReturnType<typeof backup>>;
    try {
      await until('writes to start', () => inserts.commits() > 10 && updates.commits() > 10);
      b = await backup(f, 'shop-live', source);
    } finally {
      await inserts.stop();
      await updates.stop();
    }
    expect(b.report.outcome, b.report.reason).toBe('passed');
    const manifest = await manifestOf(f, 'shop-live');
    // Rows written after the point and before the checksum pass ended: the pass did not hold writes.
    const [during] = await f.sql<{ n: string }>(
      'SELECT count(*)::text AS n FROM items WHERE created_at > $1 AND created_at < $2',
      [manifest.restorePoint!.time, new Date(passEnded).toISOString()],
    );
    expect(Number(during!.n)).toBeGreaterThan(0);
    const [total] = await f.sql<{ n: string }>('SELECT count(*)::text AS n FROM items');
    const items = manifest.tables.find((t) => t.table === 'public.items')!;
    expect(items.rows).toBeLessThan(Number(total!.n));

    const d = await drill(f);
    expect(d.report.outcome, JSON.stringify(d.report.checks)).toBe('passed');
    expect(check(d.report, 'checksums')?.outcome).toBe('passed');
    expect(check(d.report, 'row-counts')?.detail).toMatch(/rows match the manifest/);
  });
});
