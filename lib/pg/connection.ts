import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { LoginError } from '../core/errors.js';

/** Session settings that make row text (and so checksums) independent of client/server defaults. */
const STABLE_TEXT_SETTINGS = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, MDY'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET bytea_output = 'hex'",
];

export interface ConnectOptions {
  /** Connection attempts fail after this long. */
  connectTimeoutMs?: number;
  /** Per-statement limit (0 = none). */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** Skip the stable-text session settings (a one-query probe). */
  plain?: boolean;
}

/**
 * A connection URL read the way libpq (psql, pg_basebackup) reads it, so the one URL a user
 * configures means the same to every tool: `sslmode=require` encrypts without verifying the
 * certificate, `verify-ca`/`verify-full` verify it (with `sslrootcert`), `disable` is plaintext.
 * (node-postgres on its own treats `require` as `verify-full`, which refuses a self-signed server.)
 */
export function clientConfig(url: string): pg.ClientConfig {
  const parsed = parseConnectionString(url, { useLibpqCompat: true });
  const config: pg.ClientConfig = {};
  if (parsed.host) config.host = parsed.host;
  if (parsed.port) config.port = Number(parsed.port);
  if (parsed.database) config.database = parsed.database;
  if (parsed.user) config.user = parsed.user;
  if (parsed.password !== undefined) config.password = parsed.password;
  if (parsed.ssl !== undefined && parsed.ssl !== null) config.ssl = parsed.ssl as pg.ClientConfig['ssl'];
  if (parsed.options) config.options = parsed.options;
  return config;
}

/** Opens one connection with bounded connect/statement timeouts and stable text output. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    ...clientConfig(url),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'drillbook',
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // A server that goes away mid-drill must surface as a query error, not an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    // A failed connect leaves its socket open until the server's authentication_timeout: close it.
    await client.end().catch(() => {});
    throw loginError(error, client.user);
  }
  if (!options.plain) for (const statement of STABLE_TEXT_SETTINGS) await client.query(statement);
  return client;
}

/**
 * node-postgres reports a password the server asks for but nobody gave as a bare SASL message
 * without a SQLSTATE; it is a refused login like a wrong password, and says where to put one.
 */
function loginError(error: unknown, user: string | undefined): unknown {
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && /client password must be a string/.test(message)) {
    return new LoginError(
      `the server asks for a password for user "${user ?? '?'}" and none was given: put it in the URL, database.passwordEnv, database.passwordFile, PGPASSWORD or the password file (PGPASSFILE, ~/.pgpass)`,
      { cause: error },
    );
  }
  return error;
}

export async function withClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
  options?: ConnectOptions,
): Promise<T> {
  const client = await connect(url, options);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Quotes "schema.table" (or "table") as an identifier. Names are validated by the config schema too. */
export function quoteTable(name: string): string {
  return name
    .split('.')
    .map((part) => pg.escapeIdentifier(part))
    .join('.');
}

/** The URL with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The same server credentials at another host/port (a restored copy of the source). */
export function withHostPort(url: string, host: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}
