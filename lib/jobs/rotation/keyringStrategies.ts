import {
  generateHmacKey,
  generateJwtKey,
  hmacSign,
  hmacVerify,
  signJwt,
  verifyJwt,
} from '../../core/rotation/crypto.js';
import { RotationTestError } from '../../core/rotation/errors.js';
import {
  type HmacSecret,
  hmacSecretSchema,
  hmacVerifyKeys,
  type Jwks,
  type JwtAlg,
  type JwtSecret,
  jwksOf,
  jwtOverlapSeconds,
  jwtSecretSchema,
  notReadyToSign,
  rotateHmacSecret,
  rotateJwtSecret,
} from '../../core/rotation/keyring.js';
import type { HmacRotationOptions, JwtRotationOptions } from '../../core/rotation/secretsConfig.js';
import type { RotationStrategy } from './engine.js';
import { parseSecretValue } from './parseSecret.js';

/**
 * The key that would sign after a rotation (NEXT) must have been published for the cache time.
 * `publishedToFile`: when it reached the JWKS file verifiers load, if later than the secret says.
 */
function waitForCache(
  next: { publishedAt: string },
  now: Date,
  cacheSeconds: number,
  publishedToFile?: string,
): { reason: string; readyAt: Date } | null {
  const inFileLater = publishedToFile !== undefined && publishedToFile > next.publishedAt;
  const published = { publishedAt: inFileLater ? publishedToFile : next.publishedAt };
  const reason = notReadyToSign(published, now, cacheSeconds);
  if (reason === null) return null;
  const readyAt = new Date(new Date(published.publishedAt).getTime() + cacheSeconds * 1000);
  return {
    reason: inFileLater
      ? `${reason} (it reached the JWKS file only at ${publishedToFile}: the wait counts from then)`
      : reason,
    readyAt,
  };
}

/** A fresh JWT secret (first version): ACTIVE and NEXT both published now. */
export function initialJwtSecret(alg: JwtAlg, now: Date): JwtSecret {
  return { type: 'jwt', active: generateJwtKey(alg, now), next: generateJwtKey(alg, now), retired: [] };
}

export function initialHmacSecret(now: Date, keyBytes = 32): HmacSecret {
  return {
    type: 'hmac',
    active: generateHmacKey(now, keyBytes),
    next: generateHmacKey(now, keyBytes),
    retired: [],
  };
}

/**
 * JWT signing keys. createSecret promotes NEXT (published one rotation ago) to ACTIVE, adds a new
 * NEXT and keeps the old ACTIVE for token lifetime + JWKS cache time. setSecret publishes the
 * pending JWKS (a superset of the current one) when a publisher is given. testSecret proves that
 * verifiers still holding the CURRENT JWKS accept tokens from the new key, and that tokens from
 * the old key verify under the pending JWKS.
 */
export function jwtStrategy(
  options: JwtRotationOptions,
  publishJwks?: (jwks: Jwks, now: Date) => Promise<void>,
  /** kid -> when it was first published to the JWKS file (see writeJwksFile). */
  jwksPublishedAt?: Record<string, string>,
): RotationStrategy {
  const parse = (raw: string, what: string) => parseSecretValue(jwtSecretSchema, raw, what);
  return {
    type: 'jwt',
    readiness: (current, now) => {
      const next = parse(current, 'current secret').next;
      return waitForCache(next, now, options.jwksCacheSeconds, jwksPublishedAt?.[next.kid]);
    },
    async createPending(current, now, currentSince) {
      const secret = parse(current, 'current secret');
      return JSON.stringify(
        rotateJwtSecret(
          secret,
          generateJwtKey(options.alg, now),
          now,
          jwtOverlapSeconds(options),
          currentSince,
        ),
      );
    },
    async setPending({ pending }, now) {
      // Pending: its retired key counts its overlap from a switch that has not happened yet.
      if (publishJwks) await publishJwks(jwksOf(parse(pending, 'pending secret'), now, null), now);
    },
    async testPending({ current, pending, currentSince }, now) {
      const cur = parse(current, 'current secret');
      const next = parse(pending, 'pending secret');
      const notReady = notReadyToSign(next.active, now, options.jwksCacheSeconds);
      if (notReady) throw new RotationTestError(`new signing key ${next.active.kid}: ${notReady}`);
      // Both ways across the switch: a new-key token under today's JWKS, an old-key one under the pending JWKS.
      crossCheck(next.active, 'new', jwksOf(cur, now, currentSince), 'current', now);
      crossCheck(cur.active, 'old', jwksOf(next, now, null), 'pending', now);
    },
  };
}

/** A token signed now with `key` must verify under `jwks`, else testSecret fails naming both. */
function crossCheck(
  key: Parameters<typeof signJwt>[1],
  keyAge: 'new' | 'old',
  jwks: Parameters<typeof verifyJwt>[1],
  jwksName: 'current' | 'pending',
  now: Date,
): void {
  const result = verifyJwt(signJwt({ sub: 'drillbook-rotation-test' }, key, now, 60), jwks, now);
  if (!result.ok) {
    throw new RotationTestError(
      `a token from ${keyAge} key ${key.kid} fails under the ${jwksName} JWKS: ${result.reason}`,
    );
  }
}

/**
 * HMAC, dual-published: verifiers accept ACTIVE, NEXT and retired secrets in their overlap, so a
 * secret verifies before it signs and keeps verifying `overlapSeconds` after it stopped signing.
 */
export function hmacStrategy(options: HmacRotationOptions): RotationStrategy {
  const parse = (raw: string, what: string) => parseSecretValue(hmacSecretSchema, raw, what);
  return {
    type: 'hmac',
    readiness: (current, now) =>
      waitForCache(parse(current, 'current secret').next, now, options.cacheSeconds),
    async createPending(current, now, currentSince) {
      const secret = parse(current, 'current secret');
      return JSON.stringify(
        rotateHmacSecret(
          secret,
          generateHmacKey(now, options.keyBytes),
          now,
          Math.max(options.overlapSeconds, options.cacheSeconds),
          currentSince,
        ),
      );
    },
    async setPending() {
      // Nothing to push: verifiers read the secret (ACTIVE + NEXT + retired) from the store.
    },
    async testPending({ current, pending, currentSince }, now) {
      const cur = parse(current, 'current secret');
      const next = parse(pending, 'pending secret');
      const notReady = notReadyToSign(next.active, now, options.cacheSeconds);
      if (notReady) throw new RotationTestError(`new HMAC key ${next.active.id}: ${notReady}`);
      const message = `drillbook-rotation-test:${now.toISOString()}`;
      if (
        hmacVerify(message, hmacSign(message, next.active.secret), hmacVerifyKeys(cur, now, currentSince)) !==
        next.active.id
      ) {
        throw new RotationTestError(
          `new HMAC key ${next.active.id} does not verify under the current secret`,
        );
      }
      if (
        hmacVerify(message, hmacSign(message, cur.active.secret), hmacVerifyKeys(next, now, null)) !==
        cur.active.id
      ) {
        throw new RotationTestError(`old HMAC key ${cur.active.id} does not verify under the pending secret`);
      }
    },
  };
}
