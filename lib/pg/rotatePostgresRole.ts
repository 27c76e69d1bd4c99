import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import pg from 'pg';
import { DrillbookError } from '../core/errors.js';
import type { sslModes } from '../core/rotation/secretsConfig.js';

export type SslMode = (typeof sslModes)[number];

/** Where and how to log in. Built from parts, never from a URL, so nothing can downgrade TLS. */
export interface PgLogin {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** verify-full (default): TLS with certificate and host name checks; require: TLS without checks; disable: plaintext. */
  sslMode: SslMode;
  /** PEM CA bundle file (e.g. the RDS bundle) for verify-full. */
  caFile?: string;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
}

/** Could not connect or log in (refused, TLS unavailable, bad password). */
export class PgConnectError extends DrillbookError {}

/** The pg client config. TLS modes fail when the server has no TLS: there is no plaintext fallback. */
export function clientConfig(login: PgLogin): pg.ClientConfig {
  const ssl =
    login.sslMode === 'disable'
      ? false
      : login.sslMode === 'require'
        ? { rejectUnauthorized: false }
        : {
            rejectUnauthorized: true,
            ...(isIP(login.host) ? {} : { servername: login.host }),
            ...(login.caFile ? { ca: readFileSync(login.caFile, 'utf8') } : {}),
          };
  return {
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.user,
    password: login.password,
    ssl,
    connectionTimeoutMillis: login.connectTimeoutMs ?? 10_000,
    query_timeout: login.queryTimeoutMs ?? 30_000,
    statement_timeout: login.queryTimeoutMs ?? 30_000,
  };
}

export async function withLogin<T>(login: PgLogin, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clientConfig(login));
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new PgConnectError(
      `cannot log in to ${login.host}:${login.port}/${login.database} as ${JSON.stringify(login.user)} (ssl ${login.sslMode}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Sets `role`'s password as the admin, creating the role first (LOGIN, member of the same roles
 * as `likeRole`) when it does not exist. The role name is quoted as an identifier; the password
 * never travels or lands in the server log in clear: we send a SCRAM-SHA-256 verifier, quoted as
 * a literal. Running it twice leaves the same password in force.
 */
export async function setRolePassword(
  admin: PgLogin,
  role: string,
  password: string,
  likeRole: string,
): Promise<{ created: boolean }> {
  return withLogin(admin, async (client) => {
    const ident = client.escapeIdentifier(role);
    // Two setSecret invocations at once (Secrets Manager retrying while the first still runs)
    // take turns on a lock per role, so neither trips over the other's CREATE ROLE or GRANT.
    await client.query('begin');
    try {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`drillbook-rotation:${role}`]);
      const result = await setInTransaction(client, ident, role, password, likeRole);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  });
}

async function setInTransaction(
  client: pg.Client,
  ident: string,
  role: string,
  password: string,
  likeRole: string,
): Promise<{ created: boolean }> {
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [role]);
  let created = false;
  if (exists.rowCount === 0) {
    await client.query(`create role ${ident} with login`);
    created = true;
    const memberships = await client.query<{ rolname: string }>(
      `select g.rolname from pg_auth_members m
         join pg_roles g on g.oid = m.roleid
         join pg_roles u on u.oid = m.member
        where u.rolname = $1`,
      [likeRole],
    );
    for (const { rolname } of memberships.rows) {
      await client.query(`grant ${client.escapeIdentifier(rolname)} to ${ident}`);
    }
  }
  await client.query(
    `alter role ${ident} with login password ${client.escapeLiteral(scramVerifier(password))}`,
  );
  return { created };
}

/** Logs in and runs the check query; returns its row count. */
export async function testLogin(login: PgLogin, checkQuery: string): Promise<number> {
  return withLogin(login, async (client) => (await client.query(checkQuery)).rowCount ?? 0);
}

/** The SCRAM-SHA-256 verifier Postgres stores for a password (RFC 5802/7677, as `pg_authid` holds it). */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
