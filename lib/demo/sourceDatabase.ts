import { join } from 'node:path';
import { pgBin, run } from '../local/exec.js';
import { LocalCluster } from '../local/pgCluster.js';
import type { Progress } from '../ports.js';

/**
 * The demo's "production" database: a throwaway cluster archiving WAL into the demo's backup
 * folder, seeded with pgbench at the given scale, a migrations table and a customers table with PII.
 */
export async function startDemoSource(
  root: string,
  system: string,
  scale: number,
  progress: Progress,
): Promise<LocalCluster> {
  const cluster = await LocalCluster.init({
    dir: join(root, 'source'),
    archiveDir: join(root, 'backups', system, 'wal'),
    fast: true,
    settings: { archive_timeout: 30 },
  });
  progress.step(`starting the demo source database on 127.0.0.1:${cluster.port}`);
  await cluster.start();
  progress.step(`seeding pgbench at scale ${scale} (${scale * 100_000} accounts)`);
  await pgbench(cluster, ['-i', '-s', String(scale), '-q']);
  await cluster.query(`
    CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO schema_migrations (version) VALUES ('20260101_init'), ('20260601_accounts'), ('20261101_customers');
    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, phone text);
    INSERT INTO customers (name, email, phone)
      SELECT 'Customer ' || g, 'customer' || g || '@example.com', '+1-555-' || lpad(g::text, 4, '0') FROM generate_series(1, 2000) g;
  `);
  return cluster;
}

/** Runs pgbench against the cluster (password through the environment, never argv). */
export async function pgbench(cluster: LocalCluster, args: string[]): Promise<void> {
  await run(
    pgBin('pgbench'),
    [...args, '-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, 'postgres'],
    {
      env: { PGPASSWORD: decodeURIComponent(new URL(cluster.url()).password) },
      timeoutMs: 1800_000,
    },
  );
}
