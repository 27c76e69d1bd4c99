import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hmacSign, hmacVerify, signJwt, verifyJwt } from '../../../lib/core/rotation/crypto.js';
import {
  type HmacSecret,
  hmacVerifyKeys,
  type JwtSecret,
  jwksOf,
} from '../../../lib/core/rotation/keyring.js';
import { AWSCURRENT, AWSPENDING } from '../../../lib/core/rotation/stages.js';
import type { RotationStrategy } from '../../../lib/jobs/rotation/engine.js';
import {
  hmacStrategy,
  initialHmacSecret,
  initialJwtSecret,
  jwtStrategy,
} from '../../../lib/jobs/rotation/keyringStrategies.js';
import { rotateSecret } from '../../../lib/jobs/rotation/rotateSecret.js';
import { FileSecretStore } from '../../../lib/local/fileSecretStore.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';

const DAY = 86_400_000;
const t0 = new Date('2026-11-01T00:00:00Z');
const jwtPolicy = { alg: 'ES256' as const, tokenLifetimeSeconds: 3600, jwksCacheSeconds: 300 };

function setup(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `drillbook-${name}-`));
  let clock = t0;
  const now = () => clock;
  const store = new FileSecretStore(join(dir, 'secrets.json'), now);
  const runbook = new FolderRunbookStore(join(dir, 'runbook'));
  const rotate = (strategy: RotationStrategy) =>
    rotateSecret(
      { secretId: name, system: 'test', environment: 'local' },
      { store, strategy, start: (id) => store.startRotation(id), runbook, now },
    );
  return { dir, store, rotate, setClock: (d: Date) => (clock = d) };
}

async function currentOf<T>(store: FileSecretStore, id: string): Promise<T> {
  return JSON.parse((await store.getValue(id, { stage: AWSCURRENT })).value) as T;
}

describe('JWT signing key rotation', () => {
  it('keeps a token signed before the rotation valid during the overlap and rejects it after', async () => {
    const s = setup('jwt');
    await s.store.createSecret('jwt', JSON.stringify(initialJwtSecret('ES256', t0)));
    const rotatedAt = new Date(t0.getTime() + DAY);
    s.setClock(rotatedAt);
    const before = await currentOf<JwtSecret>(s.store, 'jwt');
    const oldToken = signJwt({ sub: 'user-1' }, before.active, new Date(rotatedAt.getTime() - 1000), 3600);
    const published = join(s.dir, 'jwks.json');
    const result = await s.rotate(
      jwtStrategy(jwtPolicy, async (jwks) => {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(published, JSON.stringify(jwks));
      }),
    );
    expect(result.report.outcome).toBe('passed');
    const after = await currentOf<JwtSecret>(s.store, 'jwt');
    // The key that signs now was published (as NEXT) before the rotation.
    expect(after.active.kid).toBe(before.next.kid);
    expect(jwksOf(before, rotatedAt, null).keys.map((k) => k['kid'])).toContain(after.active.kid);
    expect(after.next.kid).not.toBe(before.next.kid);
    // setSecret published the pending JWKS: old active, new active, new next.
    const publishedKids = (
      JSON.parse(readFileSync(published, 'utf8')) as { keys: { kid: string }[] }
    ).keys.map((k) => k.kid);
    expect(publishedKids.sort()).toEqual([before.active.kid, after.active.kid, after.next.kid].sort());

    const during = new Date(rotatedAt.getTime() + 30 * 60_000);
    expect(verifyJwt(oldToken, jwksOf(after, during, rotatedAt), during)).toMatchObject({
      ok: true,
      kid: before.active.kid,
    });
    const overlapEnd = rotatedAt.getTime() + (3600 + 300) * 1000;
    const afterOverlap = new Date(overlapEnd + 1000);
    expect(verifyJwt(oldToken, jwksOf(after, afterOverlap, rotatedAt), afterOverlap)).toEqual({
      ok: false,
      reason: 'unknown-kid',
    });
    // A token from the new key verifies for a verifier still holding the pre-rotation JWKS.
    const newToken = signJwt({ sub: 'user-2' }, after.active, during, 3600);
    expect(verifyJwt(newToken, jwksOf(before, during, null), during).ok).toBe(true);
  });

  it('defers a rotation to a key published less than the JWKS cache time ago: no rotation started, says when', async () => {
    const s = setup('jwt-early');
    await s.store.createSecret('jwt-early', JSON.stringify(initialJwtSecret('RS256', t0)));
    const before = await currentOf<JwtSecret>(s.store, 'jwt-early');
    s.setClock(new Date(t0.getTime() + 60_000));
    const early = await s.rotate(jwtStrategy({ ...jwtPolicy, alg: 'RS256' }));
    expect(early.report.outcome).toBe('passed');
    expect(early.report.checks.find((c) => c.name === 'rotation deferred')).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringMatching(
        /less than the verifier cache time 300s: no rotation started; run it again after 2026-11-01T00:05:00.000Z/,
      ),
    });
    expect(Object.values((await s.store.describe('jwt-early')).versions).flat()).not.toContain(AWSPENDING);
    s.setClock(new Date(t0.getTime() + 301_000));
    const later = await s.rotate(jwtStrategy({ ...jwtPolicy, alg: 'RS256' }));
    expect(later.report.outcome).toBe('passed');
    expect((await currentOf<JwtSecret>(s.store, 'jwt-early')).active.kid).toBe(before.next.kid);
  });
});

describe('HMAC dual-publish rotation', () => {
  it('verifies the new and the previous secret during the overlap, only the new one after', async () => {
    const s = setup('hmac');
    await s.store.createSecret('hmac', JSON.stringify(initialHmacSecret(t0)));
    const rotatedAt = new Date(t0.getTime() + 7 * DAY);
    s.setClock(rotatedAt);
    const before = await currentOf<HmacSecret>(s.store, 'hmac');
    const result = await s.rotate(hmacStrategy({ overlapSeconds: 600, cacheSeconds: 60, keyBytes: 32 }));
    expect(result.report.outcome).toBe('passed');
    const after = await currentOf<HmacSecret>(s.store, 'hmac');
    expect(after.active.id).toBe(before.next.id);
    const msg = 'payload';
    const oldSig = hmacSign(msg, before.active.secret);
    const newSig = hmacSign(msg, after.active.secret);
    const during = new Date(rotatedAt.getTime() + 300_000);
    expect(hmacVerify(msg, oldSig, hmacVerifyKeys(after, during, rotatedAt))).toBe(before.active.id);
    expect(hmacVerify(msg, newSig, hmacVerifyKeys(after, during, rotatedAt))).toBe(after.active.id);
    // The new secret was already accepted by verifiers holding the old value (published ahead).
    expect(hmacVerify(msg, newSig, hmacVerifyKeys(before, during, null))).toBe(after.active.id);
    const later = new Date(rotatedAt.getTime() + 601_000);
    expect(hmacVerify(msg, oldSig, hmacVerifyKeys(after, later, rotatedAt))).toBeNull();
    expect(hmacVerify(msg, newSig, hmacVerifyKeys(after, later, rotatedAt))).toBe(after.active.id);
  });
});
