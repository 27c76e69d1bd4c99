import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { fieldProblem } from '../core/zodFieldError.js';

/** A database login from Secrets Manager (the RDS-managed secret format: {"username","password",...}). */
export interface DbCredential {
  username: string;
  password: string;
}

const credentialSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

/**
 * Reads a database credential. Errors name the secret id and the missing field, never the value.
 */
export async function readDbCredential(
  client: SecretsManagerClient,
  secretId: string,
): Promise<DbCredential> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString)
    throw new ConfigError('aws.sourceSecretId', `secret ${secretId} has no SecretString`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString);
  } catch {
    throw new ConfigError('aws.sourceSecretId', `secret ${secretId} is not JSON`);
  }
  const result = credentialSchema.safeParse(parsed);
  if (!result.success) {
    const { path } = fieldProblem(result.error);
    throw new ConfigError('aws.sourceSecretId', `secret ${secretId} lacks a valid "${path}"`);
  }
  return result.data;
}

/** A postgres:// URL for an endpoint with that login (kept in memory only: never logged or returned in state). */
export function postgresUrl(
  endpoint: { host: string; port: number },
  database: string,
  credential: DbCredential | null,
  sslMode: 'verify-full' | 'no-verify' | 'disable',
): string {
  const url = new URL(`postgresql://${endpoint.host}:${endpoint.port}/${encodeURIComponent(database)}`);
  if (credential) {
    url.username = encodeURIComponent(credential.username);
    url.password = encodeURIComponent(credential.password);
  }
  // The URL is read libpq's way (lib/pg/connection.ts), where "require" is what "no-verify" means:
  // encrypted, certificate not checked. libpq has no "no-verify"; left as is it would verify.
  if (sslMode !== 'disable') url.searchParams.set('sslmode', sslMode === 'no-verify' ? 'require' : sslMode);
  return url.toString();
}
