import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as rotateHmac } from '../../functions/rotateHmac.js';
import { handler as rotateJwt } from '../../functions/rotateJwt.js';
import { createRotationAuditHandler } from '../../lib/aws/rotationAuditLambda.js';
import { createRotationHandler } from '../../lib/aws/rotationLambda.js';
import { CloudWatchRotationMetrics } from '../../lib/aws/rotationMetrics.js';
import { SecretsManagerStore } from '../../lib/aws/secretsManagerStore.js';
import { ConfigError, InputError } from '../../lib/core/errors.js';
import { rotationSteps } from '../../lib/core/rotation/stages.js';
import { initialHmacSecret, initialJwtSecret } from '../../lib/jobs/rotation/keyringStrategies.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { type FakeSecret, fakeSecretsManager } from '../helpers/fakeSecretsManager.js';
import { secretStrings } from '../helpers/secretMaterial.js';

const TOKEN = 'c0ffee00-0000-4000-8000-000000000001';
const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;

function keyringSecret(name: string, value: string): FakeSecret {
  return {
    name,
    rotationEnabled: true,
    days: 30,
    created: new Date(Date.now() - 40 * 86_400_000),
    tags: { 'drillbook:rotation': 'keyring' },
    versions: { 'v-1': { stages: ['AWSCURRENT'], value }, [TOKEN]: { stages: ['AWSPENDING'] } },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rotation Lambda handlers', () => {
  it('rotateHmac and rotateJwt run each Secrets Manager step and log no secret value', async () => {
    const old = new Date(Date.now() - 2 * 86_400_000);
    const secrets = [
      keyringSecret('hmac', JSON.stringify(initialHmacSecret(old))),
      keyringSecret('jwt', JSON.stringify(initialJwtSecret('ES256', old))),
    ];
    const fake = fakeSecretsManager(secrets, 2, true);
    const logged: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        logged.push(String(chunk));
        return true;
      });
    }
    for (const [name, handler] of [
      ['hmac', rotateHmac],
      ['jwt', rotateJwt],
    ] as const) {
      for (const Step of rotationSteps) {
        const result = await handler({ Step, SecretId: name, ClientRequestToken: TOKEN }, context);
        expect(result.step).toBe(Step);
      }
    }
    expect(fake.mock.commandCalls(PutSecretValueCommand)).toHaveLength(2);
    for (const s of secrets) {
      expect(s.versions[TOKEN]!.stages).toEqual(['AWSCURRENT']);
      expect(s.versions['v-1']!.stages).toEqual(['AWSPREVIOUS']);
    }
    const output = logged.join('');
    expect(output).toContain('finishSecret');
    // Every key of every version (ACTIVE, NEXT, retired; HMAC keys and private JWK members), not only the active one.
    const material = secrets.flatMap((s) =>
      Object.values(s.versions).flatMap((v) => secretStrings(JSON.parse(v.value!))),
    );
    // ACTIVE and NEXT of each version, and the retired HMAC key (a retired JWT key keeps only its public half).
    expect(material.length).toBe(9);
    for (const m of material)
      expect(output.includes(m), 'a secret value appeared in the log output').toBe(false);
    fake.mock.restore();
  });

  it('rejects a malformed event naming the field, and bad settings naming the variable', async () => {
    const handler = createRotationHandler('hmac', { store: new SecretsManagerStore(), env: {} });
    await expect(handler({ Step: 'rotateSecret', SecretId: 'x', ClientRequestToken: TOKEN })).rejects.toThrow(
      InputError,
    );
    await expect(handler({ Step: 'createSecret', SecretId: 'x' })).rejects.toThrow(
      /event\.ClientRequestToken/,
    );
    const badEnv = createRotationHandler('postgres', {
      store: new SecretsManagerStore(),
      env: { PG_SSL_MODE: 'prefer' },
    });
    await expect(badEnv({ Step: 'createSecret', SecretId: 'x', ClientRequestToken: TOKEN })).rejects.toThrow(
      /env PG_\*\.sslMode/,
    );
  });

  it('the audit handler audits by tag, writes the report and publishes metrics', async () => {
    const now = new Date();
    const fake = fakeSecretsManager([
      { ...keyringSecret('stuck-one', '{}'), lastRotated: now },
      { ...keyringSecret('late-one', '{}'), versions: { a: { stages: ['AWSCURRENT'], value: '{}' } } },
    ]);
    const cw = new CloudWatchClient({ region: 'eu-west-1' });
    const cwMock = mockClient(cw);
    cwMock.on(PutMetricDataCommand).resolves({});
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-audit-fn-'));
    const handler = createRotationAuditHandler({
      env: { AUDIT_TAG_KEY: 'drillbook:rotation', DRILLBOOK_SYSTEM: 'shop' },
      store: new SecretsManagerStore({ client: fake.client }),
      runbook: new FolderRunbookStore(dir),
      metrics: new CloudWatchRotationMetrics({ client: cw }),
    });
    const result = await handler({ 'detail-type': 'Scheduled Event', time: now.toISOString() });
    expect(result.outcome).toBe('failed');
    expect(result.summary).toMatchObject({ audited: 2, stuck: 1, overdue: 1 });
    expect(result.location).toContain(join(dir, 'reports', 'rotation-audit'));
    expect(cwMock.commandCalls(PutMetricDataCommand).length).toBe(1);
    await expect(
      createRotationAuditHandler({ env: {}, runbook: new FolderRunbookStore(dir) })({}),
    ).rejects.toThrow(ConfigError);
  });

  it('with DRILLBOOK_STAGE set, the audit handler audits only the secrets tagged with that stage exactly', async () => {
    const now = new Date();
    const staged = (name: string, stage: string | undefined): FakeSecret => {
      const base = keyringSecret(name, '{}');
      return {
        ...base,
        lastRotated: now,
        versions: { a: { stages: ['AWSCURRENT'], value: '{}' } },
        tags: { ...base.tags, ...(stage !== undefined ? { 'drillbook:stage': stage } : {}) },
      };
    };
    const fake = fakeSecretsManager([
      staged('prod-one', 'prod'),
      staged('staging-one', 'staging'),
      staged('old-one', 'prod-old'),
      staged('no-stage', undefined),
      staged('prod-two', 'prod'),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-audit-stage-'));
    const cw = new CloudWatchClient({ region: 'eu-west-1' });
    mockClient(cw).on(PutMetricDataCommand).resolves({});
    const result = await createRotationAuditHandler({
      env: { AUDIT_TAG_KEY: 'drillbook:rotation', DRILLBOOK_SYSTEM: 'shop', DRILLBOOK_STAGE: 'prod' },
      store: new SecretsManagerStore({ client: fake.client }),
      runbook: new FolderRunbookStore(dir),
      metrics: new CloudWatchRotationMetrics({ client: cw }),
    })({});
    expect(result.outcome).toBe('passed');
    expect(result.summary).toMatchObject({ audited: 2, flagged: 0 });
    const report = JSON.parse(readFileSync(result.location, 'utf8')) as {
      details: { stage: string; secrets: { name: string }[] };
    };
    expect(report.details.stage).toBe('prod');
    expect(report.details.secrets.map((s) => s.name)).toEqual(['prod-one', 'prod-two']);
  });

  it('wires the AWS publishers by default: report to S3, webhook URL from its secret, both metric sets', async () => {
    const now = new Date();
    const fake = fakeSecretsManager(
      [
        { ...keyringSecret('stuck-one', '{}'), lastRotated: now },
        {
          name: 'drillbook/chat-webhook',
          rotationEnabled: false,
          days: null,
          created: now,
          tags: {},
          versions: { w: { stages: ['AWSCURRENT'], value: 'https://hooks.example.invalid/T000/B000/xyz' } },
        },
      ],
      2,
      true,
    );
    const s3 = mockClient(S3Client);
    s3.on(HeadObjectCommand).rejects(
      new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    s3.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const cw = mockClient(CloudWatchClient);
    cw.on(PutMetricDataCommand).resolves({});
    const posts: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      posts.push(String(init?.body));
      return new Response('ok', { status: 200 });
    });
    try {
      const result = await createRotationAuditHandler({
        env: {
          AWS_REGION: 'eu-west-1',
          AUDIT_SECRET_IDS: 'stuck-one',
          DRILLBOOK_RUNBOOK_BUCKET: 'runbook-bucket',
          DRILLBOOK_WEBHOOK_SECRET_ID: 'drillbook/chat-webhook',
        },
      })({});
      expect(result.outcome).toBe('failed');
      expect(result.location).toMatch(/^s3:\/\/runbook-bucket\/drillbook\/reports\/rotation-audit\//);
      const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
      expect(keys.some((k) => k?.endsWith('.json'))).toBe(true);
      const namespaces = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.Namespace);
      expect(namespaces.sort()).toEqual(['Drillbook', 'Drillbook/Rotation']);
      expect(posts).toHaveLength(1);
      expect(posts[0]).toContain('stuck');
    } finally {
      s3.restore();
      cw.restore();
      fake.mock.restore();
    }
  });
});
