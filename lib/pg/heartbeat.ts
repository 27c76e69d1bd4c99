import type pg from 'pg';
import { quoteTable } from './connection.js';
import { qualify } from './fingerprint.js';

/**
 * The heartbeat table RPO is measured with: one row per system, updated with the commit-time
 * clock by the backup job and by `drillbook heartbeat`. The newest heartbeat a restored database
 * holds tells how much was lost.
 */
export async function ensureHeartbeatTable(client: pg.Client, table: string): Promise<void> {
  // Only when missing: once the table exists, a login without CREATE on its schema may write beats.
  const { rows } = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    qualify(table),
  ]);
  if (rows[0]?.found) return;
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${quoteTable(qualify(table))} (system text PRIMARY KEY, beat_at timestamptz NOT NULL, beats bigint NOT NULL DEFAULT 1)`,
  );
}

export async function writeHeartbeat(client: pg.Client, table: string, system: string): Promise<Date> {
  const { rows } = await client.query<{ beat_at: Date }>(
    `INSERT INTO ${quoteTable(qualify(table))} AS h (system, beat_at) VALUES ($1, clock_timestamp())
     ON CONFLICT (system) DO UPDATE SET beat_at = excluded.beat_at, beats = h.beats + 1
     RETURNING beat_at`,
    [system],
  );
  return rows[0]!.beat_at;
}

/** The newest committed heartbeat of the system, or null when the table or row is absent. */
export async function newestHeartbeat(
  client: pg.Client,
  table: string,
  system: string,
): Promise<Date | null> {
  const { rows: exists } = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [
    qualify(table),
  ]);
  if (!exists[0]?.oid) return null;
  const { rows } = await client.query<{ beat_at: Date }>(
    `SELECT beat_at FROM ${quoteTable(qualify(table))} WHERE system = $1`,
    [system],
  );
  return rows[0]?.beat_at ?? null;
}
