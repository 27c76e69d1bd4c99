import { z } from 'zod';

/**
 * The Postgres secret value (the AWS "alternating users" shape): connection facts plus the login
 * role currently in use. Two roles alternate: `<base>` and `<base>_clone`; each rotation sets a new
 * password on the role that is NOT in use and then switches the secret to it, so connections
 * opened with the old credentials keep working until the next rotation.
 */
export const postgresSecretSchema = z.looseObject({
  engine: z.literal('postgres').optional(),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  dbname: z.string().min(1).default('postgres'),
  username: z.string().min(1).max(63),
  password: z.string().min(1),
  /** The secret holding admin credentials used to set passwords (AWS calls it masterarn). */
  adminSecretId: z.string().min(1).optional(),
  masterarn: z.string().min(1).optional(),
});
export type PostgresSecret = z.infer<typeof postgresSecretSchema>;

/** The admin secret only needs credentials; host/port default to the rotated secret's. */
export const postgresAdminSecretSchema = z.looseObject({
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  dbname: z.string().min(1).optional(),
  username: z.string().min(1),
  password: z.string().min(1),
});
export type PostgresAdminSecret = z.infer<typeof postgresAdminSecretSchema>;

const CLONE_SUFFIX = '_clone';

/** The other role of the pair: `app` <-> `app_clone`. */
export function alternateUsername(username: string): string {
  if (username.endsWith(CLONE_SUFFIX) && username.length > CLONE_SUFFIX.length) {
    return username.slice(0, -CLONE_SUFFIX.length);
  }
  const alternate = `${username}${CLONE_SUFFIX}`;
  if (Buffer.byteLength(alternate) > 63) {
    throw new RangeError(`username is too long to alternate with "${CLONE_SUFFIX}" (63 bytes max)`);
  }
  return alternate;
}

/** The pending value: same connection facts, the other role, a new password. */
export function pendingPostgresSecret(current: PostgresSecret, newPassword: string): PostgresSecret {
  return { ...current, username: alternateUsername(current.username), password: newPassword };
}

export function adminSecretIdOf(secret: PostgresSecret): string | undefined {
  return secret.adminSecretId ?? secret.masterarn;
}
