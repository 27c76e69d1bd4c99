import { z } from 'zod';

/**
 * JWT signing keys and HMAC secrets rotate the same way ("publish before use"): the secret value
 * holds the ACTIVE key (signs now), the NEXT key (already published to verifiers, signs after the
 * next rotation) and RETIRED keys (still verify until keepUntil). A rotation promotes NEXT to
 * ACTIVE, generates a fresh NEXT and retires the old ACTIVE for the overlap window. So a key
 * starts signing only after it has been published for a whole rotation interval, and an old key
 * keeps verifying for the overlap (token lifetime + cache time) after it stopped signing.
 *
 * The overlap counts from the switch (finishSecret moving AWSCURRENT), not from createSecret: a
 * rotation may be resumed hours after it started, and the old key signs until the switch. So the
 * key a rotation retires carries `overlapSeconds` and no `keepUntil`; it verifies until
 * `switchedAt + overlapSeconds`, where `switchedAt` is when its version became AWSCURRENT (the
 * secret's LastRotatedDate), and forever while that is unknown (a pending version). The next
 * rotation settles it into a fixed `keepUntil`.
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

/** When a retired key stops verifying: a fixed time, or an overlap after its version's switch. */
const retiredWindow = {
  retiredAt: isoDate,
  keepUntil: isoDate.optional(),
  overlapSeconds: z.number().int().min(0).optional(),
};

export const retiredJwtKeySchema = z.object({
  kid: z.string().min(1),
  alg: z.enum(jwtAlgs),
  publicJwk: jwk,
  ...retiredWindow,
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

export const retiredHmacKeySchema = hmacKeySchema.omit({ publishedAt: true }).extend(retiredWindow);
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

interface RetiredWindow {
  retiredAt: string;
  keepUntil?: string | undefined;
  overlapSeconds?: number | undefined;
}

/**
 * Whether a retired key still verifies at `now`. `switchedAt`: when the version holding it became
 * AWSCURRENT; null while unknown or not yet (a pending version), which keeps a key without a fixed
 * `keepUntil`.
 */
export function stillVerifies(key: RetiredWindow, now: Date, switchedAt: Date | null): boolean {
  const until = retiredUntil(key, switchedAt);
  return until === null || until.getTime() > now.getTime();
}

/** The end of a retired key's window, or null while it counts from a switch not yet known. */
export function retiredUntil(key: RetiredWindow, switchedAt: Date | null): Date | null {
  if (key.keepUntil !== undefined) return new Date(key.keepUntil);
  if (switchedAt === null) return null;
  return new Date(switchedAt.getTime() + (key.overlapSeconds ?? 0) * 1000);
}

/**
 * The next key ring: NEXT signs, `freshNext` is published, the old ACTIVE is retired for
 * `overlapSeconds` from the coming switch. `switchedAt` is when the current version became
 * AWSCURRENT (null: unknown, then `now` is taken, which only keeps a key longer): keys retired by
 * the current version get their fixed `keepUntil` from it, and keys past their window are dropped.
 */
function promote<K extends { publishedAt: string }, R extends RetiredWindow>(
  current: Keyring<K, R>,
  freshNext: K,
  retire: (key: K, retiredAt: string, overlapSeconds: number) => R,
  now: Date,
  overlapSeconds: number,
  switchedAt: Date | null,
): Keyring<K, R> {
  const settled = current.retired.map((r) =>
    r.keepUntil !== undefined
      ? r
      : { ...r, keepUntil: (retiredUntil(r, switchedAt ?? now) as Date).toISOString() },
  );
  return {
    active: current.next,
    next: freshNext,
    retired: [
      retire(current.active, now.toISOString(), overlapSeconds),
      ...settled.filter((r) => stillVerifies(r, now, null)),
    ],
  };
}

/** The pending JWT secret: NEXT signs, a new NEXT is published, the old ACTIVE verifies until keepUntil. */
export function rotateJwtSecret(
  current: JwtSecret,
  freshNext: JwtKey,
  now: Date,
  overlapSeconds: number,
  switchedAt: Date | null,
): JwtSecret {
  const ring = promote(
    current,
    freshNext,
    (k, retiredAt, overlap) => ({
      kid: k.kid,
      alg: k.alg,
      publicJwk: k.publicJwk,
      retiredAt,
      overlapSeconds: overlap,
    }),
    now,
    overlapSeconds,
    switchedAt,
  );
  return { type: 'jwt', ...ring };
}

export function rotateHmacSecret(
  current: HmacSecret,
  freshNext: HmacKey,
  now: Date,
  overlapSeconds: number,
  switchedAt: Date | null,
): HmacSecret {
  const ring = promote(
    current,
    freshNext,
    (k, retiredAt, overlap) => ({ id: k.id, secret: k.secret, retiredAt, overlapSeconds: overlap }),
    now,
    overlapSeconds,
    switchedAt,
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

/**
 * The public JWKS verifiers should load at `now`: ACTIVE, NEXT and retired keys still in their
 * window. `switchedAt`: when this version became AWSCURRENT (null for a pending version).
 */
export function jwksOf(secret: JwtSecret, now: Date, switchedAt: Date | null): Jwks {
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
        .filter((r) => stillVerifies(r, now, switchedAt))
        .map((r) => publicKey(r.kid, r.alg, r.publicJwk)),
    ],
  };
}

/** HMAC keys verifiers accept at `now`: ACTIVE, NEXT (dual-published ahead of use) and retired keys in their window. */
export function hmacVerifyKeys(
  secret: HmacSecret,
  now: Date,
  switchedAt: Date | null,
): { id: string; secret: string }[] {
  return [
    { id: secret.active.id, secret: secret.active.secret },
    { id: secret.next.id, secret: secret.next.secret },
    ...secret.retired
      .filter((r) => stillVerifies(r, now, switchedAt))
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
