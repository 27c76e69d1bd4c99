import { z } from 'zod';

/**
 * JWT signing keys and HMAC secrets rotate the same way ("publish before use"): the secret value
 * holds the ACTIVE key (signs now), the NEXT key (already published to verifiers, signs after the
 * next rotation) and RETIRED keys (still verify until keepUntil). A rotation promotes NEXT to
 * ACTIVE, generates a fresh NEXT and retires the old ACTIVE for the overlap window. So a key
 * starts signing only after it has been published for a whole rotation interval, and an old key
 * keeps verifying for the overlap (token lifetime + cache time) after it stopped signing.
 */
const isoDate = z.iso.datetime({ offset: true });
const jwk = z.record(z.string(), z.unknown());

export const jwtAlgs = ['ES256', 'RS256'] as const;
export type JwtAlg = (typeof jwtAlgs)[number];

export const jwtKeySchema = z.object({
  kid: z.string().min(1),
  alg: z.enum(jwtAlgs),
  privateJwk: jwk,
  publicJwk: jwk,
  publishedAt: isoDate,
});
export type JwtKey = z.infer<typeof jwtKeySchema>;

export const retiredJwtKeySchema = z.object({
  kid: z.string().min(1),
  alg: z.enum(jwtAlgs),
  publicJwk: jwk,
  retiredAt: isoDate,
  keepUntil: isoDate,
});
export type RetiredJwtKey = z.infer<typeof retiredJwtKeySchema>;

export const jwtSecretSchema = z.object({
  type: z.literal('jwt'),
  active: jwtKeySchema,
  next: jwtKeySchema,
  retired: z.array(retiredJwtKeySchema).default([]),
});
export type JwtSecret = z.infer<typeof jwtSecretSchema>;

export const hmacKeySchema = z.object({
  id: z.string().min(1),
  /** base64url key material. */
  secret: z.string().min(16),
  publishedAt: isoDate,
});
export type HmacKey = z.infer<typeof hmacKeySchema>;

export const retiredHmacKeySchema = hmacKeySchema
  .omit({ publishedAt: true })
  .extend({ retiredAt: isoDate, keepUntil: isoDate });
export type RetiredHmacKey = z.infer<typeof retiredHmacKeySchema>;

export const hmacSecretSchema = z.object({
  type: z.literal('hmac'),
  active: hmacKeySchema,
  next: hmacKeySchema,
  retired: z.array(retiredHmacKeySchema).default([]),
});
export type HmacSecret = z.infer<typeof hmacSecretSchema>;

interface Keyring<K, R> {
  active: K;
  next: K;
  retired: R[];
}

function promote<K extends { publishedAt: string }, R extends { keepUntil: string }>(
  current: Keyring<K, R>,
  freshNext: K,
  retire: (key: K, retiredAt: string, keepUntil: string) => R,
  now: Date,
  overlapSeconds: number,
): Keyring<K, R> {
  const keepUntil = new Date(now.getTime() + overlapSeconds * 1000).toISOString();
  const stillValid = current.retired.filter((r) => new Date(r.keepUntil).getTime() > now.getTime());
  return {
    active: current.next,
    next: freshNext,
    retired: [retire(current.active, now.toISOString(), keepUntil), ...stillValid],
  };
}

/** The pending JWT secret: NEXT signs, a new NEXT is published, the old ACTIVE verifies until keepUntil. */
export function rotateJwtSecret(
  current: JwtSecret,
  freshNext: JwtKey,
  now: Date,
  overlapSeconds: number,
): JwtSecret {
  const ring = promote(
    current,
    freshNext,
    (k, retiredAt, keepUntil) => ({ kid: k.kid, alg: k.alg, publicJwk: k.publicJwk, retiredAt, keepUntil }),
    now,
    overlapSeconds,
  );
  return { type: 'jwt', ...ring };
}

export function rotateHmacSecret(
  current: HmacSecret,
  freshNext: HmacKey,
  now: Date,
  overlapSeconds: number,
): HmacSecret {
  const ring = promote(
    current,
    freshNext,
    (k, retiredAt, keepUntil) => ({ id: k.id, secret: k.secret, retiredAt, keepUntil }),
    now,
    overlapSeconds,
  );
  return { type: 'hmac', ...ring };
}

/** JWT overlap: a token signed just before the rotation lives `tokenLifetime`, and verifiers cache the JWKS `cache`. */
export function jwtOverlapSeconds(policy: {
  tokenLifetimeSeconds: number;
  jwksCacheSeconds: number;
}): number {
  return policy.tokenLifetimeSeconds + policy.jwksCacheSeconds;
}

export interface Jwks {
  keys: Record<string, unknown>[];
}

/** The public JWKS verifiers should load at `now`: ACTIVE, NEXT and retired keys still in their window. */
export function jwksOf(secret: JwtSecret, now: Date): Jwks {
  const publicKey = (kid: string, alg: JwtAlg, publicJwk: Record<string, unknown>) => ({
    ...publicJwk,
    kid,
    alg,
    use: 'sig',
  });
  return {
    keys: [
      publicKey(secret.active.kid, secret.active.alg, secret.active.publicJwk),
      publicKey(secret.next.kid, secret.next.alg, secret.next.publicJwk),
      ...secret.retired
        .filter((r) => new Date(r.keepUntil).getTime() > now.getTime())
        .map((r) => publicKey(r.kid, r.alg, r.publicJwk)),
    ],
  };
}

/** HMAC keys verifiers accept at `now`: ACTIVE, NEXT (dual-published ahead of use) and retired keys in their window. */
export function hmacVerifyKeys(secret: HmacSecret, now: Date): { id: string; secret: string }[] {
  return [
    { id: secret.active.id, secret: secret.active.secret },
    { id: secret.next.id, secret: secret.next.secret },
    ...secret.retired
      .filter((r) => new Date(r.keepUntil).getTime() > now.getTime())
      .map((r) => ({ id: r.id, secret: r.secret })),
  ];
}

/**
 * A key may start signing only once verifiers have had time to load it: it must have been
 * published at least `cacheSeconds` ago. Returns the reason it is not ready, or null.
 */
export function notReadyToSign(key: { publishedAt: string }, now: Date, cacheSeconds: number): string | null {
  const ageSeconds = (now.getTime() - new Date(key.publishedAt).getTime()) / 1000;
  if (ageSeconds >= cacheSeconds) return null;
  return `the key about to sign was published ${Math.floor(ageSeconds)}s ago, less than the verifier cache time ${cacheSeconds}s`;
}
