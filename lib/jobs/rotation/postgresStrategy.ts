import { randomBytes } from 'node:crypto';
import { RotationSetError, RotationTestError, SecretFormatError } from '../../core/rotation/errors.js';
import {
  adminSecretIdOf,
  type PostgresSecret,
  pendingPostgresSecret,
  postgresAdminSecretSchema,
  postgresSecretSchema,
} from '../../core/rotation/postgresSecret.js';
import type { PostgresRotationOptions } from '../../core/rotation/secretsConfig.js';
import { AWSCURRENT } from '../../core/rotation/stages.js';
import { decideTls } from '../../core/rotation/tlsIntent.js';
import {
  PgConnectError,
  type PgLogin,
  type SslMode,
  setRolePassword,
  testLogin,
} from '../../pg/rotatePostgresRole.js';
import type { SecretStore } from '../../ports.js';
import type { RotationStrategy } from './engine.js';
import { parseSecretValue } from './parseSecret.js';

/** A new password: 32 characters of base64url (192 bits). */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Postgres, alternating users: setSecret sets the inactive role's password as the admin. */
export function postgresStrategy(
  options: PostgresRotationOptions,
  store: SecretStore,
  log: (message: string) => void = () => {},
): RotationStrategy {
  /** TLS for a login: the strictest of the function's config and what the secrets themselves ask. */
  const tlsFor = (...secrets: Record<string, unknown>[]) =>
    secrets.reduce((mode, secret) => decideTls(mode, secret).mode, options.sslMode);
  const loginOf = (
    s: {
      host: string;
      port: number;
      dbname: string;
      username: string;
      password: string;
    },
    sslMode: SslMode,
  ): PgLogin => ({
    host: s.host,
    port: s.port,
    database: s.dbname,
    user: s.username,
    password: s.password,
    sslMode,
    ...(options.caFile ? { caFile: options.caFile } : {}),
    connectTimeoutMs: options.connectTimeoutSeconds * 1000,
  });
  const parse = (raw: string, what: string): PostgresSecret =>
    parseSecretValue(postgresSecretSchema, raw, what);

  return {
    type: 'postgres',
    reportFacts(current) {
      return { tls: decideTls(options.sslMode, parse(current, 'current secret')).detail };
    },
    async createPending(current) {
      const secret = parse(current, 'current secret');
      return JSON.stringify(pendingPostgresSecret(secret, newPassword()));
    },
    async setPending({ current, pending }) {
      const cur = parse(current, 'current secret');
      const next = parse(pending, 'pending secret');
      try {
        await testLogin(loginOf(next, tlsFor(cur, next)), 'select 1');
        log(`setSecret: role ${JSON.stringify(next.username)} already logs in with the pending password`);
        return;
      } catch (error) {
        if (!(error instanceof PgConnectError)) throw error;
        // Expected: the password is not set yet (or TLS/network trouble, which the admin login will show).
      }
      const adminId = options.adminSecretId ?? adminSecretIdOf(cur);
      if (!adminId) {
        throw new SecretFormatError(
          'current secret: field adminSecretId (or masterarn) is required to set passwords',
        );
      }
      const adminRaw = await store.getValue(adminId, { stage: AWSCURRENT });
      const admin = parseSecretValue(postgresAdminSecretSchema, adminRaw.value, `admin secret ${adminId}`);
      const adminLogin = loginOf(
        {
          host: admin.host ?? cur.host,
          port: admin.port ?? cur.port,
          dbname: admin.dbname ?? cur.dbname,
          username: admin.username,
          password: admin.password,
        },
        tlsFor(cur, next, admin),
      );
      try {
        const { created } = await setRolePassword(adminLogin, next.username, next.password, cur.username);
        if (created)
          log(
            `setSecret: created role ${JSON.stringify(next.username)} like ${JSON.stringify(cur.username)}`,
          );
      } catch (error) {
        throw new RotationSetError(
          `could not set the password of role ${JSON.stringify(next.username)}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    },
    async testPending({ current, pending }) {
      const cur = parse(current, 'current secret');
      const next = parse(pending, 'pending secret');
      try {
        const rows = await testLogin(loginOf(next, tlsFor(cur, next)), options.checkQuery);
        log(`testSecret: role ${JSON.stringify(next.username)} logged in, check query returned ${rows} rows`);
      } catch (error) {
        throw new RotationTestError(`pending secret does not work: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}
