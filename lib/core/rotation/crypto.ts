import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type { HmacKey, Jwks, JwtAlg, JwtKey } from './keyring.js';

/**
 * Key generation, JWT (JWS compact, ES256/RS256) and HMAC with node:crypto only. Deterministic
 * apart from generation; no I/O.
 */

export function newKid(now: Date): string {
  return `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(6).toString('hex')}`;
}

export function generateJwtKey(alg: JwtAlg, now: Date): JwtKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid: newKid(now),
    alg,
    privateJwk: pair.privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    publishedAt: now.toISOString(),
  };
}

export function generateHmacKey(now: Date, bytes = 32): HmacKey {
  return {
    id: newKid(now),
    secret: randomBytes(bytes).toString('base64url'),
    publishedAt: now.toISOString(),
  };
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function signatureOptions(alg: JwtAlg) {
  return alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
}

/** Signs claims with `key`; `iat`/`exp` come from `now` and `lifetimeSeconds`. */
export function signJwt(
  claims: Record<string, unknown>,
  key: JwtKey,
  now: Date,
  lifetimeSeconds: number,
): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = b64(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid }));
  const payload = b64(JSON.stringify({ ...claims, iat, exp: iat + lifetimeSeconds }));
  const input = `${header}.${payload}`;
  const privateKey = createPrivateKey({ key: key.privateJwk as never, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, ...signatureOptions(key.alg) });
  return `${input}.${b64(signature)}`;
}

export type JwtVerdict =
  | { ok: true; kid: string; claims: Record<string, unknown> }
  | { ok: false; reason: 'malformed' | 'unknown-kid' | 'bad-signature' | 'expired' };

/** Verifies a token against a JWKS at `now` (signature by kid, then exp). */
export function verifyJwt(token: string, jwks: Jwks, now: Date): JwtVerdict {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string; kid?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const jwk = jwks.keys.find((k) => k['kid'] === header.kid);
  if (!jwk || typeof header.kid !== 'string') return { ok: false, reason: 'unknown-kid' };
  const alg = jwk['alg'];
  if ((alg !== 'ES256' && alg !== 'RS256') || header.alg !== alg)
    return { ok: false, reason: 'bad-signature' };
  const { kid: _kid, alg: _alg, use: _use, ...keyMaterial } = jwk;
  const publicKey = createPublicKey({ key: keyMaterial as never, format: 'jwk' });
  const valid = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: publicKey, ...signatureOptions(alg) },
    Buffer.from(s, 'base64url'),
  );
  if (!valid) return { ok: false, reason: 'bad-signature' };
  if (typeof claims['exp'] === 'number' && claims['exp'] * 1000 <= now.getTime()) {
    return { ok: false, reason: 'expired' };
  }
  return { ok: true, kid: header.kid, claims };
}

export function hmacSign(message: string, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'base64url')).update(message).digest('hex');
}

/** The id of the key that produced `signature`, or null. Constant-time per key. */
export function hmacVerify(
  message: string,
  signature: string,
  keys: readonly { id: string; secret: string }[],
): string | null {
  const given = Buffer.from(signature, 'hex');
  for (const key of keys) {
    const expected = Buffer.from(hmacSign(message, key.secret), 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return key.id;
  }
  return null;
}
