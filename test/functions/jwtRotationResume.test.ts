import { describe, expect, it } from 'vitest';
import { createRotationHandler } from '../../lib/aws/rotationLambda.js';
import { SecretsManagerStore } from '../../lib/aws/secretsManagerStore.js';
import { signJwt, verifyJwt } from '../../lib/core/rotation/crypto.js';
import { type JwtSecret, jwksOf } from '../../lib/core/rotation/keyring.js';
import { AWSCURRENT } from '../../lib/core/rotation/stages.js';
import { initialJwtSecret } from '../../lib/jobs/rotation/keyringStrategies.js';
import { fakeSecretsManager } from '../helpers/fakeSecretsManager.js';

const TOKEN = 'a11ce000-0000-4000-8000-000000000002';
const HOUR = 3_600_000;

describe('rotateJwt Lambda resumed late', () => {
  it('completes when resumed 2 h after createSecret: the old key overlaps from the switch, not from the start', async () => {
    // Real time is the fake's clock for LastRotatedDate; the handler's own clock is injected.
    const resumeAt = new Date();
    const startAt = new Date(resumeAt.getTime() - 2 * HOUR);
    const initial = initialJwtSecret('ES256', new Date(startAt.getTime() - 24 * HOUR));
    const fake = fakeSecretsManager([
      {
        name: 'jwt/app',
        rotationEnabled: true,
        days: 30,
        created: new Date(startAt.getTime() - 24 * HOUR),
        tags: {},
        versions: { v1: { stages: [AWSCURRENT], value: JSON.stringify(initial) } },
      },
    ]);
    const store = new SecretsManagerStore({ client: fake.client });
    let clock = startAt;
    const handler = createRotationHandler('jwt', {
      store,
      env: { JWT_TOKEN_LIFETIME_SECONDS: '3600', JWT_JWKS_CACHE_SECONDS: '300' },
      now: () => clock,
    });
    await fake.client.send(
      new (await import('@aws-sdk/client-secrets-manager')).RotateSecretCommand({
        SecretId: 'jwt/app',
        ClientRequestToken: TOKEN,
      }),
    );
    const event = (Step: string) => ({ Step, SecretId: 'jwt/app', ClientRequestToken: TOKEN });
    await handler(event('createSecret'));
    await handler(event('setSecret'));
    // The function times out here; Secrets Manager retries two hours later (token lifetime 1 h).
    clock = resumeAt;
    const oldToken = signJwt({ sub: 'u' }, initial.active, new Date(resumeAt.getTime() - 1000), 3600);
    await handler(event('testSecret'));
    await handler(event('finishSecret'));
    const description = await store.describe('jwt/app');
    expect(description.versions[TOKEN]).toEqual([AWSCURRENT]);
    const current = JSON.parse((await store.getValue('jwt/app', { stage: AWSCURRENT })).value) as JwtSecret;
    expect(current.active.kid).toBe(initial.next.kid);
    // A token the old key signed just before the switch verifies for the whole overlap after it.
    const switchedAt = description.lastRotatedDate;
    expect(switchedAt).not.toBeNull();
    const during = new Date(switchedAt!.getTime() + 1800_000);
    expect(verifyJwt(oldToken, jwksOf(current, during, switchedAt), during)).toMatchObject({ ok: true });
    const after = new Date(switchedAt!.getTime() + 3900_000 + 1000);
    expect(verifyJwt(oldToken, jwksOf(current, after, switchedAt), after)).toEqual({
      ok: false,
      reason: 'unknown-kid',
    });
  });
});
