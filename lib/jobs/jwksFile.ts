import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { SecretNotFoundError } from '../core/rotation/errors.js';
import { type Jwks, jwksOf, jwtSecretSchema } from '../core/rotation/keyring.js';
import { AWSCURRENT, AWSPENDING, stuckPendingVersion } from '../core/rotation/stages.js';
import type { SecretStore } from '../ports.js';
import { parseSecretValue } from './rotation/parseSecret.js';

/**
 * The JWKS verifiers should load now for a JWT secret: the current key ring with retired keys
 * still in their overlap (counted from the switch, the secret's LastRotatedDate), plus the keys
 * of a pending rotation (setSecret already published them; dropping them would break its switch).
 */
export async function currentJwks(store: SecretStore, secretId: string, now: Date): Promise<Jwks> {
  const description = await store.describe(secretId);
  const current = await store.getValue(secretId, { stage: AWSCURRENT });
  const keys = jwksOf(
    parseSecretValue(jwtSecretSchema, current.value, 'current secret'),
    now,
    description.lastRotatedDate,
  ).keys;
  const pendingId = stuckPendingVersion(description.versions);
  if (pendingId !== undefined) {
    try {
      const pending = await store.getValue(secretId, { versionId: pendingId, stage: AWSPENDING });
      const more = jwksOf(parseSecretValue(jwtSecretSchema, pending.value, 'pending secret'), now, null).keys;
      for (const key of more) if (!keys.some((k) => k['kid'] === key['kid'])) keys.push(key);
    } catch (error) {
      if (!(error instanceof SecretNotFoundError)) throw error; // labelled, no value yet: nothing published
    }
  }
  return { keys };
}

/** Writes a JWKS file whole (temp file + rename): a verifier never reads half of it. */
export async function writeJwksFile(file: string, jwks: Jwks): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(jwks, null, 2)}\n`);
  await rename(tmp, file);
}

/** Rewrites `file` with the JWKS of now; returns the kids published. */
export async function refreshJwksFile(
  store: SecretStore,
  secretId: string,
  file: string,
  now: Date,
): Promise<string[]> {
  const jwks = await currentJwks(store, secretId, now);
  await writeJwksFile(file, jwks);
  return jwks.keys.map((k) => String(k['kid']));
}
