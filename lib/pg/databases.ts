import type pg from 'pg';
import { ConfigError } from '../core/errors.js';

/** The database a connection is in (the URL's, or libpq's default when the URL names none). */
export async function currentDatabase(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
  return rows[0]!.db;
}

/**
 * The databases a manifest covers: `only` when given (each must exist and accept this login),
 * else every non-template database that allows connections and that this login may connect to.
 * The connection's own database comes first. RDS's internal `rdsadmin` is never covered (the
 * master login may not connect to it anyway).
 */
export async function coveredDatabases(client: pg.Client, only?: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT datname AS name FROM pg_database
      WHERE datallowconn AND NOT datistemplate AND datname <> 'rdsadmin'
        AND has_database_privilege(datname, 'CONNECT')
      ORDER BY datname = current_database() DESC, datname`,
  );
  const connectable = rows.map((r) => r.name);
  if (!only) return connectable;
  const unknown = only.filter((name) => !connectable.includes(name));
  if (unknown.length > 0)
    throw new ConfigError(
      'database.databases',
      `${unknown.join(', ')}: no such database, or the source login cannot connect to it`,
    );
  return connectable.filter((name) => only.includes(name));
}

/** The same server and credentials, another database. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/**
 * The URL for `database` on the server `url` logs into: `url` itself for its own database
 * (`home`, which the URL may leave to the login's default) or no database named, else the same
 * login at `database`.
 */
export function urlInDatabase(url: string, home: string, database: string | undefined): string {
  return database === undefined || database === home ? url : databaseUrl(url, database);
}
