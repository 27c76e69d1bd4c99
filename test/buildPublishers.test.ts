import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '../lib/aws/cloudWatchMetrics.js';
import { S3RunbookStore } from '../lib/aws/s3RunbookStore.js';
import { buildPublishers } from '../lib/buildPublishers.js';
import { FanoutChat } from '../lib/chat/fanoutChat.js';
import { WebhookChat } from '../lib/chat/webhookChat.js';
import { ConfigError } from '../lib/core/errors.js';
import { parseConfig } from '../lib/drillbookConfig.js';
import { publishReport } from '../lib/jobs/publish.js';
import { ConsoleChat } from '../lib/local/consoleChat.js';
import { FolderRunbookStore } from '../lib/local/folderRunbookStore.js';
import { type LocalS3, startS3rver } from './helpers/s3rver.js';
import { failedRestoreDrill, restoreDrill } from './helpers/sampleReports.js';
import { startWebhookServer, type WebhookServer } from './helpers/webhookServer.js';

const system = { name: 'orders', database: { sourceUrl: 'postgres://localhost/orders' } };
const config = (extra: Record<string, unknown> = {}) =>
  parseConfig({ systems: [system], ...extra }, '/etc/drillbook');

describe('buildPublishers, local target', () => {
  let hook: WebhookServer;
  let dir: string;
  beforeAll(async () => {
    hook = await startWebhookServer(() => ({ status: 200 }));
    dir = await mkdtemp(join(tmpdir(), 'drillbook-adapters-'));
  });
  afterAll(async () => {
    await hook?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the summary and stores in the runbook folder; no webhook and no metrics without a URL', () => {
    const p = buildPublishers({
      target: 'local',
      config: config({ runbook: { dir: 'rb' } }),
      print: () => {},
      env: {},
    });
    expect(p.runbook).toBeInstanceOf(FolderRunbookStore);
    expect((p.runbook as FolderRunbookStore).root).toBe('/etc/drillbook/rb');
    expect(p.chat).toBeInstanceOf(ConsoleChat);
    expect(p.metrics).toBeUndefined();
    const flag = buildPublishers({ target: 'local', config: null, runbookDir: '/tmp/x', env: {} });
    expect((flag.runbook as FolderRunbookStore).root).toBe('/tmp/x');
    expect(flag.chat).toBeUndefined();
  });

  it('adds the webhook from DRILLBOOK_WEBHOOK_URL and posts to it and the terminal through publishReport', async () => {
    const printed: string[] = [];
    const p = buildPublishers({
      target: 'local',
      config: null,
      runbookDir: dir,
      print: (t) => printed.push(t),
      env: { DRILLBOOK_WEBHOOK_URL: hook.url },
    });
    expect(p.chat).toBeInstanceOf(FanoutChat);
    await publishReport(failedRestoreDrill(), p);
    expect(printed.join('\n')).toContain('Restore drill FAILED');
    expect(hook.received).toHaveLength(1);
    expect(JSON.parse(hook.received[0]?.body ?? '{}').blocks[0].text.text).toBe(
      'Restore drill FAILED: orders (production)',
    );
  });

  it('uses chat.webhookUrl from the config, and no terminal output when chat.stdout is false', () => {
    const p = buildPublishers({
      target: 'local',
      config: config({ chat: { webhookUrl: 'https://hooks.example.com/services/T/B/x', stdout: false } }),
      print: () => {},
      env: {},
    });
    expect(p.chat).toBeInstanceOf(WebhookChat);
  });
});

describe('buildPublishers, AWS target', () => {
  const sm = mockClient(SecretsManagerClient);
  const cw = mockClient(CloudWatchClient);
  let s3: LocalS3;
  let hook: WebhookServer;
  beforeAll(async () => {
    s3 = await startS3rver(['ops-runbook']);
    hook = await startWebhookServer(() => ({ status: 200 }));
  });
  afterAll(async () => {
    await s3?.close();
    await hook?.close();
  });
  afterEach(() => {
    sm.reset();
    cw.reset();
  });

  it('names the missing field when no bucket is configured', () => {
    const error = (() => {
      try {
        buildPublishers({ target: 'aws', config: config(), env: {} });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('runbook.s3.bucket');
  });

  it('publishes to S3, reads the webhook URL from its secret, and puts the metrics', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'drillbook/chat-webhook' }).resolves({
      ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:drillbook/chat-webhook-AbCdEf',
      Name: 'drillbook/chat-webhook',
      VersionId: 'v1',
      SecretString: JSON.stringify({ url: hook.url }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-11-01T00:00:00Z'),
      $metadata: { httpStatusCode: 200 },
    });
    cw.on(PutMetricDataCommand).resolves({ $metadata: { httpStatusCode: 200 } });
    const warnings: string[] = [];
    const p = buildPublishers({
      target: 'aws',
      config: config({
        runbook: { s3: { bucket: 'ops-runbook', prefix: 'drillbook/', region: 'eu-west-1' } },
        chat: { webhookSecretId: 'drillbook/chat-webhook' },
        reporting: { metricsNamespace: 'Acme/Drillbook', kmsKeyId: 'alias/runbook' },
      }),
      warn: (m) => warnings.push(m),
      env: {},
      clients: {
        s3: s3.client(),
        cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
        secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      },
    });
    expect(p.runbook).toBeInstanceOf(S3RunbookStore);
    expect(p.metrics).toBeInstanceOf(CloudWatchMetrics);
    const location = await publishReport(restoreDrill(), p);
    expect(warnings).toEqual([]);
    expect(location).toMatch(/^s3:\/\/ops-runbook\/drillbook\/reports\/restore-drill\/2026\/11\//);
    expect(await p.runbook.readRunbook()).toContain('| orders |');
    expect(hook.received).toHaveLength(1);
    expect(cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input.Namespace).toBe('Acme/Drillbook');
  });

  it('reads the bucket and secret from the environment in a Lambda without a config file', async () => {
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    cw.on(PutMetricDataCommand).resolves({ $metadata: { httpStatusCode: 200 } });
    const warnings: string[] = [];
    const p = buildPublishers({
      target: 'aws',
      config: null,
      warn: (m) => warnings.push(m),
      env: {
        DRILLBOOK_RUNBOOK_BUCKET: 'ops-runbook',
        DRILLBOOK_RUNBOOK_PREFIX: 'lambda/',
        DRILLBOOK_WEBHOOK_SECRET_ID: 'missing-secret',
      },
      clients: {
        s3: s3.client(),
        cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
        secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      },
    });
    // A missing secret costs the chat message, never the report.
    const location = await publishReport(restoreDrill(), p);
    expect(location).toContain('s3://ops-runbook/lambda/reports/');
    expect(warnings).toEqual([
      "could not post to chat: could not read secret missing-secret: Secrets Manager can't find the specified secret.",
    ]);
    expect(cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input.Namespace).toBe('Drillbook');
  });
});
