import pg from 'pg';
import type { TableFingerprint } from '../core/manifest.js';
import { connect, quoteTable } from './connection.js';

/** User tables (schema-qualified), excluding system schemas and the given tables. */
export async function listUserTables(client: pg.Client, exclude: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
      ORDER BY 1`,
  );
  const excluded = new Set(exclude.map(qualify));
  return rows.map((r) => r.name).filter((name) => !excluded.has(name));
}

/** "table" means "public.table". */
export function qualify(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

/**
 * Row count and an order-independent checksum per table: the sum of a 64-bit hash of each row's
 * text form. Tables are spread over `parallel` connections; callers that need a consistent view
 * hold the tables still (locks, or a paused standby) while this runs.
 */
export async function fingerprintTables(
  url: string,
  tables: readonly string[],
  parallel = 2,
): Promise<TableFingerprint[]> {
  const queue = [...tables];
  const results = new Map<string, TableFingerprint>();
  const workers = Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, async () => {
    const client = await connect(url, { applicationName: 'drillbook-fingerprint' });
    try {
      for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
        results.set(table, await fingerprintTable(client, table));
      }
    } finally {
      await client.end().catch(() => {});
    }
  });
  await Promise.all(workers);
  return tables.map((t) => results.get(t)!);
}

export async function fingerprintTable(client: pg.Client, table: string): Promise<TableFingerprint> {
  const { rows } = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS checksum FROM ${quoteTable(table)} t`,
  );
  const row = rows[0]!;
  return { table, rows: Number(row.rows), checksum: row.checksum };
}

/** The newest row of the migrations table (its first column, highest value), or null when absent/empty. */
export async function migrationHead(client: pg.Client, table: string | undefined): Promise<string | null> {
  if (!table) return null;
  const { rows: cols } = await client.query<{ col: string }>(
    `SELECT attname AS col FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1`,
    [qualify(table)],
  );
  const col = cols[0]?.col;
  if (!col) return null;
  const column = pg.escapeIdentifier(col);
  const { rows } = await client.query<{ head: string | null }>(
    `SELECT ${column}::text AS head FROM ${quoteTable(qualify(table))} ORDER BY ${column} DESC NULLS LAST LIMIT 1`,
  );
  return rows[0]?.head ?? null;
}

export async function serverVersion(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return rows[0]!.v.split(' ')[0]!;
}
