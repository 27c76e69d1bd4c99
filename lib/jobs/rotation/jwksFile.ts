import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { NotAJwtSecretError, SecretNotFoundError } from '../../core/rotation/errors.js';
import { type Jwks, jwksOf, jwtSecretSchema } from '../../core/rotation/keyring.js';
import { AWSCURRENT, AWSPENDING, stuckPendingVersion } from '../../core/rotation/stages.js';
import type { SecretStore } from '../../ports.js';
import { parseSecretValue } from './parseSecret.js';

/** The type a stored secret value names, without reading anything else of it (never the value). */
function secretTypeOf(raw: string): string {
  try {
    const parsed: unknown = JSON.parse(raw);
    const type =
      parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)['type'] : undefined;
    return typeof type === 'string' ? type : 'unknown';
  } catch {
    return 'not JSON';
  }
}

/**
 * The JWKS verifiers should load now for a JWT secret: the current key ring with retired keys
 * still in their overlap (counted from the switch, the secret's LastRotatedDate), plus the keys
 * of a pending rotation (setSecret already published them; dropping them would break its switch).
 */
export async function currentJwks(store: SecretStore, secretId: string, now: Date): Promise<Jwks> {
  const description = await store.describe(secretId);
  const current = await store.getValue(secretId, { stage: AWSCURRENT });
  const type = secretTypeOf(current.value);
  if (type !== 'jwt') {
    throw new NotAJwtSecretError(`${secretId} is not a JWT key ring (its type is ${type}): it has no JWKS`);
  }
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

/**
 * A JWKS file as drillbook writes it: the JWK Set plus `publishedAt`, when each kid first
 * appeared in this file (RFC 7517 §5: verifiers ignore members they do not know). The verifier
 * cache time a key waits before signing counts from there, not from when the key was generated.
 */
export interface PublishedJwks extends Jwks {
  publishedAt: Record<string, string>;
}

/** The kids in `file` now, with when each was first published there; null: no file (or not a JWKS). */
export async function readJwksFile(file: string): Promise<Record<string, string> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: Partial<PublishedJwks>;
  try {
    parsed = JSON.parse(text) as Partial<PublishedJwks>;
  } catch {
    return null;
  }
  if (!Array.isArray(parsed.keys)) return null;
  // A file from before `publishedAt`: its keys were there by its last write at the latest.
  const written = (await stat(file)).mtime.toISOString();
  const recorded = parsed.publishedAt ?? {};
  const result: Record<string, string> = {};
  for (const key of parsed.keys) {
    const kid = String(key['kid']);
    result[kid] = typeof recorded[kid] === 'string' ? recorded[kid] : written;
  }
  return result;
}

/**
 * Writes a JWKS file whole (temp file + rename): a verifier never reads half of it. Keys already
 * in the file keep their publication time; keys new to it are published `now`. Returns the
 * publication time of every key written.
 */
export async function writeJwksFile(file: string, jwks: Jwks, now: Date): Promise<Record<string, string>> {
  const before = (await readJwksFile(file)) ?? {};
  const publishedAt: Record<string, string> = {};
  for (const key of jwks.keys) {
    const kid = String(key['kid']);
    publishedAt[kid] = before[kid] ?? now.toISOString();
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ ...jwks, publishedAt } satisfies PublishedJwks, null, 2)}\n`);
  await rename(tmp, file);
  return publishedAt;
}

/** Rewrites `file` with the JWKS of now; returns the kids published, when each was, and which are new. */
export async function publishJwksFile(
  store: SecretStore,
  secretId: string,
  file: string,
  now: Date,
): Promise<{ kids: string[]; added: string[]; publishedAt: Record<string, string> }> {
  const jwks = await currentJwks(store, secretId, now);
  const before = (await readJwksFile(file)) ?? {};
  const publishedAt = await writeJwksFile(file, jwks, now);
  const kids = Object.keys(publishedAt);
  return { kids, added: kids.filter((k) => before[k] === undefined), publishedAt };
}

/** Rewrites `file` with the JWKS of now; returns the kids published. */
export async function refreshJwksFile(
  store: SecretStore,
  secretId: string,
  file: string,
  now: Date,
): Promise<string[]> {
  return (await publishJwksFile(store, secretId, file, now)).kids;
}
