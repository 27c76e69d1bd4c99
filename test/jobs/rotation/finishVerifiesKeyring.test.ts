import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateHmacKey, generateJwtKey } from '../../../lib/core/rotation/crypto.js';
import { RotationTestError } from '../../../lib/core/rotation/errors.js';
import { AWSCURRENT, AWSPENDING } from '../../../lib/core/rotation/stages.js';
import { runRotationStep } from '../../../lib/jobs/rotation/engine.js';
import {
  hmacStrategy,
  initialHmacSecret,
  initialJwtSecret,
  jwtStrategy,
} from '../../../lib/jobs/rotation/keyringStrategies.js';
import { FileSecretStore } from '../../../lib/local/fileSecretStore.js';

const t0 = new Date('2026-11-01T00:00:00Z');
const later = new Date(t0.getTime() + 86_400_000);

/** A secret whose pending value was written by something other than createSecret, and is broken. */
async function withBrokenPending(name: string, current: object, pending: object) {
  const store = new FileSecretStore(
    join(mkdtempSync(join(tmpdir(), `drillbook-${name}-`)), 's.json'),
    () => later,
  );
  await store.createSecret(name, JSON.stringify(current));
  const { token } = await store.startRotation(name);
  await store.putValue(name, token, JSON.stringify(pending), [AWSPENDING]);
  return { store, token };
}

describe('finishSecret verifies a key ring before moving AWSCURRENT', () => {
  it('JWT: refuses a pending key ring whose signing key does not verify under its own JWKS', async () => {
    const current = initialJwtSecret('ES256', t0);
    const other = generateJwtKey('ES256', t0);
    // The private half of the new ACTIVE key belongs to another key pair: tokens it signs never verify.
    const pending = {
      ...current,
      active: { ...current.next, privateJwk: other.privateJwk },
      next: generateJwtKey('ES256', t0),
      retired: [],
    };
    const { store, token } = await withBrokenPending('jwt-bad', current, pending);
    const strategy = jwtStrategy({ alg: 'ES256', tokenLifetimeSeconds: 3600, jwksCacheSeconds: 300 });
    await expect(
      runRotationStep(
        { Step: 'finishSecret', SecretId: 'jwt-bad', ClientRequestToken: token },
        { store, strategy, log: () => {}, now: () => later },
      ),
    ).rejects.toBeInstanceOf(RotationTestError);
    expect((await store.describe('jwt-bad')).versions[token]).toEqual([AWSPENDING]);
    expect(JSON.parse((await store.getValue('jwt-bad', { stage: AWSCURRENT })).value).active.kid).toBe(
      current.active.kid,
    );
  });

  it('HMAC: refuses a pending secret whose new key is not the one the current secret published', async () => {
    const current = initialHmacSecret(t0);
    const pending = { ...current, active: generateHmacKey(t0), next: generateHmacKey(t0), retired: [] };
    const { store, token } = await withBrokenPending('hmac-bad', current, pending);
    const strategy = hmacStrategy({ overlapSeconds: 600, cacheSeconds: 60, keyBytes: 32 });
    await expect(
      runRotationStep(
        { Step: 'finishSecret', SecretId: 'hmac-bad', ClientRequestToken: token },
        { store, strategy, log: () => {}, now: () => later },
      ),
    ).rejects.toThrow(
      /does not work, AWSCURRENT not moved: new HMAC key .* does not verify under the current secret/,
    );
    expect((await store.describe('hmac-bad')).versions[token]).toEqual([AWSPENDING]);
  });
});
