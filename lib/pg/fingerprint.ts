import pg from 'pg';
import type { RowHash, TableFingerprint } from '../core/manifest.js';
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

/** Tables above this many 8 kB pages are split into page ranges fingerprinted in parallel. */
const SPLIT_ABOVE_PAGES = 4096;

interface WorkUnit {
  table: string;
  hash: RowHash;
  /** First page (inclusive) and last page (exclusive; null = to the end) of a TID range scan. */
  fromPage: number | null;
  toPage: number | null;
}

export interface FingerprintOptions {
  /** Connections to spread the work over. */
  parallel?: number;
  splitAbovePages?: number;
  /** The row hash per table (a manifest's, when verifying against it); otherwise chosen per table. */
  hashes?: ReadonlyMap<string, RowHash>;
  /**
   * An exported snapshot (pg_export_snapshot) of this database: every connection reads inside it
   * (REPEATABLE READ + SET TRANSACTION SNAPSHOT), so the pass sees that one moment while writes go
   * on. The exporting transaction must stay open until this returns.
   */
  snapshot?: string;
}

/**
 * Row count and an order-independent checksum per table: the sum of a 64-bit hash of each row.
 * Work is spread over `parallel` connections, large tables in page ranges (TID range scans), and
 * the partial sums added up, so the result does not depend on the split. Callers that need a
 * consistent view of a live database pass an exported snapshot; a paused standby is still anyway.
 */
export async function fingerprintTables(
  url: string,
  tables: readonly string[],
  options: FingerprintOptions = {},
): Promise<TableFingerprint[]> {
  if (tables.length === 0) return [];
  const workers = Math.max(1, options.parallel ?? 2);
  const units = await planUnits(
    url,
    tables,
    workers,
    options.splitAbovePages ?? SPLIT_ABOVE_PAGES,
    options.hashes,
  );
  const partial = new Map<string, { rows: bigint; sum: bigint; hash: RowHash }>();
  for (const unit of units) partial.set(unit.table, { rows: 0n, sum: 0n, hash: unit.hash });
  const queue = [...units];
  await Promise.all(
    Array.from({ length: Math.min(workers, queue.length) }, async () => {
      const client = await connect(url, { applicationName: 'drillbook-fingerprint' });
      try {
        if (options.snapshot !== undefined) await importSnapshot(client, options.snapshot);
        for (let unit = queue.shift(); unit !== undefined; unit = queue.shift()) {
          const { rows, sum } = await fingerprintUnit(client, unit);
          const acc = partial.get(unit.table)!;
          acc.rows += rows;
          acc.sum += sum;
        }
        if (options.snapshot !== undefined) await client.query('COMMIT');
      } finally {
        await client.end().catch(() => {});
      }
    }),
  );
  return tables.map((table) => {
    const acc = partial.get(table)!;
    return { table, rows: Number(acc.rows), checksum: acc.sum.toString(), hash: acc.hash };
  });
}

/** Reads inside another session's exported snapshot (same database only) until COMMIT. */
async function importSnapshot(client: pg.Client, snapshot: string): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(snapshot)}`);
}

async function planUnits(
  url: string,
  tables: readonly string[],
  workers: number,
  splitAbovePages: number,
  hashes: ReadonlyMap<string, RowHash> | undefined,
): Promise<WorkUnit[]> {
  const client = await connect(url, { applicationName: 'drillbook-fingerprint' });
  try {
    const { rows } = await client.query<{ name: string; pages: string }>(
      `SELECT name, (pg_relation_size(name::regclass) / current_setting('block_size')::bigint)::text AS pages
         FROM unnest($1::text[]) AS name`,
      [tables],
    );
    const units: WorkUnit[] = [];
    for (const { name, pages } of rows) {
      const hash = hashes?.get(name) ?? (await rowHashFor(client, name));
      const total = Number(pages);
      if (workers === 1 || total <= splitAbovePages) {
        units.push({ table: name, hash, fromPage: null, toPage: null });
        continue;
      }
      const chunks = workers * 2;
      const step = Math.ceil(total / chunks);
      for (let from = 0; from < total; from += step) {
        units.push({ table: name, hash, fromPage: from, toPage: from + step >= total ? null : from + step });
      }
    }
    return units;
  } finally {
    await client.end().catch(() => {});
  }
}

/** "record" when every column type of the table can be hashed by value (tried on one row), else "text". */
async function rowHashFor(client: pg.Client, table: string): Promise<RowHash> {
  try {
    await client.query(`SELECT hash_record_extended(t, 0) FROM ${quoteTable(table)} t LIMIT 1`);
    return 'record';
  } catch {
    return 'text';
  }
}

const rowHashSql: Record<RowHash, string> = {
  record: 'hash_record_extended(t, 0)',
  text: 'hashtextextended(t::text, 0)',
};

async function fingerprintUnit(client: pg.Client, unit: WorkUnit): Promise<{ rows: bigint; sum: bigint }> {
  const range = [
    unit.fromPage !== null ? `ctid >= '(${unit.fromPage},0)'::tid` : null,
    unit.toPage !== null ? `ctid < '(${unit.toPage},0)'::tid` : null,
  ].filter(Boolean);
  const { rows } = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(${rowHashSql[unit.hash]}), 0)::text AS checksum
       FROM ${quoteTable(unit.table)} t${range.length > 0 ? ` WHERE ${range.join(' AND ')}` : ''}`,
  );
  const row = rows[0]!;
  return { rows: BigInt(row.rows), sum: BigInt(row.checksum) };
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
