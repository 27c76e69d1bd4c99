import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../../lib/aws/secretsManagerStore.js';
import { rotationSteps } from '../../../lib/core/rotation/stages.js';
import { runRotationStep } from '../../../lib/jobs/rotation/engine.js';
import { hmacStrategy, initialHmacSecret } from '../../../lib/jobs/rotation/keyringStrategies.js';
import { requestRotation } from '../../../lib/jobs/rotation/requestRotation.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { type FakeSecret, fakeSecretsManager } from '../../helpers/fakeSecretsManager.js';

const strategy = hmacStrategy({ overlapSeconds: 600, cacheSeconds: 60, keyBytes: 32 });

function secret(): FakeSecret {
  const old = new Date(Date.now() - 3 * 86_400_000);
  return {
    name: 'drillbook/hmac/webhooks',
    rotationEnabled: true,
    days: 30,
    created: old,
    tags: {},
    versions: { v1: { stages: ['AWSCURRENT'], value: JSON.stringify(initialHmacSecret(old)) } },
  };
}

describe('drillbook rotate --target aws (RotateSecret, then wait)', () => {
  it('requests the rotation and reports once the rotation function made the new version AWSCURRENT', async () => {
    let store: SecretsManagerStore | undefined;
    const invocations: Promise<unknown>[] = [];
    const fake = fakeSecretsManager([secret()], 2, false, (name, token) => {
      // Secrets Manager invokes the rotation function asynchronously, one step at a time.
      invocations.push(
        (async () => {
          await new Promise((r) => setTimeout(r, 20));
          for (const Step of rotationSteps) {
            await runRotationStep(
              { Step, SecretId: name, ClientRequestToken: token },
              { store: store!, strategy, log: () => {} },
            );
          }
        })(),
      );
    });
    store = new SecretsManagerStore({ client: fake.client });
    const runbook = new FolderRunbookStore(mkdtempSync(join(tmpdir(), 'drillbook-request-')));
    const { report } = await requestRotation(
      { secretId: 'drillbook/hmac/webhooks', system: 'shop', environment: 'aws' },
      {
        store,
        request: (id) => store!.requestRotation(id),
        publishers: { runbook },
        timeoutMs: 10_000,
        intervalMs: 10,
      },
    );
    await Promise.all(invocations);
    expect(report.outcome).toBe('passed');
    expect(fake.mock.commandCalls(RotateSecretCommand)[0]!.args[0].input).toEqual({
      SecretId: 'drillbook/hmac/webhooks',
      RotateImmediately: true,
    });
    const token = report.details?.['token'] as string;
    expect((await store.describe('drillbook/hmac/webhooks')).versions[token]).toEqual(['AWSCURRENT']);
  });

  it('fails with a bounded wait when the rotation function never finishes, and reports the stuck rotation next time', async () => {
    const fake = fakeSecretsManager([secret()]);
    const store = new SecretsManagerStore({ client: fake.client, datePendingVersions: true });
    const runbook = new FolderRunbookStore(mkdtempSync(join(tmpdir(), 'drillbook-request-')));
    const deps = {
      store,
      request: (id: string) => store.requestRotation(id),
      publishers: { runbook },
      timeoutMs: 200,
      intervalMs: 20,
    };
    const input = { secretId: 'drillbook/hmac/webhooks', system: 'shop', environment: 'aws' };
    const first = await requestRotation(input, deps);
    expect(first.report.outcome).toBe('failed');
    expect(first.report.reason).toMatch(/timed out .* to become AWSCURRENT/);
    // Moments later the rotation is still running, not stuck: the second request waits for it.
    const second = await requestRotation(input, deps);
    expect(second.report.details?.['joined']).toBe(true);
    expect(second.report.details?.['token']).toBe(first.report.details?.['token']);
    expect(second.report.reason).toMatch(/timed out .* to become AWSCURRENT/);
    // Past the threshold it is stuck: reported, not requested again.
    const third = await requestRotation(input, { ...deps, stuckAfterHours: 0 });
    expect(third.report.outcome).toBe('failed');
    expect(third.report.checks[0]).toMatchObject({ name: 'no rotation in progress', outcome: 'failed' });
    expect(third.report.checks[0]?.detail).toMatch(/AWSPENDING is on version .* since \d{4}-/);
    expect(fake.mock.commandCalls(RotateSecretCommand)).toHaveLength(1);
  });
});
