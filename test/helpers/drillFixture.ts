import { join } from 'node:path';
import type { Report } from '../../lib/core/report.js';
import { parseConfig, type SystemConfig } from '../../lib/drillbookConfig.js';
import type { Publishers } from '../../lib/jobs/publish.js';
import { pgBin, run } from '../../lib/local/exec.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import type { Progress } from '../../lib/ports.js';
import { startPostgres, type ThrowawayPostgres } from './postgres.js';

export interface DrillFixture {
  pg: ThrowawayPostgres;
  system: SystemConfig;
  runbook: FolderRunbookStore;
  publishers: Publishers;
  /** Reports posted to chat, in order. */
  posted: Report[];
  progress: Progress;
  sql: <R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ) => Promise<R[]>;
}

/**
 * A real source database for drills: throwaway Postgres archiving WAL into <root>/backups/shop/wal
 * (the local backup layout), seeded with pgbench (scale 1), a migrations table, a customers table
 * with PII and an items table for point-in-time tests.
 */
export async function drillFixture(systemOverrides: Record<string, unknown> = {}): Promise<DrillFixture> {
  const pg = await startPostgres({ archiveSubdir: 'backups/shop/wal' });
  const url = pg.url();
  await run(
    pgBin('pgbench'),
    ['-i', '-s', '1', '-q', '-h', '127.0.0.1', '-p', String(pg.cluster.port), '-U', 'drillbook', 'postgres'],
    {
      env: { PGPASSWORD: decodeURIComponent(new URL(url).password) },
      timeoutMs: 120_000,
    },
  );
  await pg.cluster.query(`
    CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz DEFAULT now());
    INSERT INTO schema_migrations (version) VALUES ('20260101_init'), ('20261101_add_customers');
    CREATE TABLE customers (id serial PRIMARY KEY, name text, email text UNIQUE);
    INSERT INTO customers (name, email) SELECT 'Customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 500) g;
    CREATE TABLE items (id serial PRIMARY KEY, tag text NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp());
  `);
  const config = parseConfig({
    systems: [
      {
        name: 'shop',
        database: { sourceUrl: url, migrationsTable: 'public.schema_migrations' },
        backup: { local: { dir: join(pg.root, 'backups') } },
        ...systemOverrides,
        restore: { workDir: join(pg.root, 'staging'), ...(systemOverrides['restore'] as object | undefined) },
      },
    ],
  });
  const runbook = new FolderRunbookStore(join(pg.root, 'runbook'));
  const posted: Report[] = [];
  return {
    pg,
    system: config.systems[0]!,
    runbook,
    posted,
    publishers: { runbook, chat: { postReport: async (report) => void posted.push(report) }, warn: () => {} },
    progress: { step: () => {} },
    sql: (text, params = []) => pg.cluster.query(text, params),
  };
}

export function check(report: Report, name: string) {
  return report.checks.find((c) => c.name === name);
}
