import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CloudWatchRotationMetrics } from '../../../lib/aws/rotationMetrics.js';
import { SecretsManagerStore } from '../../../lib/aws/secretsManagerStore.js';
import { rotationAudit } from '../../../lib/jobs/rotation/rotationAudit.js';
import { ConsoleChat } from '../../../lib/local/consoleChat.js';
import { FileSecretStore } from '../../../lib/local/fileSecretStore.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { fakeSecretsManager } from '../../helpers/fakeSecretsManager.js';

const DAY = 86_400_000;
const policy = { warningDays: 7, graceHours: 24 };

function metricsDouble() {
  const client = new CloudWatchClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  mock.on(PutMetricDataCommand).resolves({});
  return { metrics: new CloudWatchRotationMetrics({ client }), mock };
}

describe('rotation audit', () => {
  it('flags disabled, overdue, due-soon and stuck secrets in the local store, alarms in chat and metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-audit-'));
    const created = new Date('2026-09-01T00:00:00Z');
    let clock = created;
    const store = new FileSecretStore(join(dir, 'secrets.json'), () => clock);
    await store.createSecret('healthy', '{}', { rotationIntervalDays: 30 });
    await store.createSecret('disabled', '{}', { rotationEnabled: false, rotationIntervalDays: 30 });
    await store.createSecret('overdue', '{}', { rotationIntervalDays: 30 });
    await store.createSecret('soon', '{}', { rotationIntervalDays: 30 });
    await store.createSecret('stuck', '{}', { rotationIntervalDays: 30 });
    const now = new Date('2026-11-23T06:00:00Z');
    // "healthy" rotated 2 days ago, "soon" 26 days ago, "overdue" never (created 83 days ago).
    for (const [name, daysAgo] of [
      ['healthy', 2],
      ['soon', 26],
      ['stuck', 3],
    ] as const) {
      clock = new Date(now.getTime() - daysAgo * DAY);
      const { token } = await store.startRotation(name);
      await store.putValue(name, token, '{"v":2}', ['AWSPENDING']);
      const current = Object.entries((await store.describe(name)).versions).find(([, s]) =>
        s.includes('AWSCURRENT'),
      )![0];
      await store.updateStage(name, {
        stage: 'AWSCURRENT',
        moveToVersionId: token,
        removeFromVersionId: current,
      });
      await store.updateStage(name, { stage: 'AWSPENDING', removeFromVersionId: token });
    }
    clock = new Date(now.getTime() - DAY);
    await store.startRotation('stuck');

    const chatLines: string[] = [];
    const { metrics, mock } = metricsDouble();
    const { report, results } = await rotationAudit(
      {
        ...policy,
        system: 'shop',
        environment: 'local',
        secretIds: ['healthy', 'disabled', 'overdue', 'soon', 'stuck', 'gone'],
      },
      {
        store,
        runbook: new FolderRunbookStore(join(dir, 'runbook')),
        chat: new ConsoleChat((t) => chatLines.push(t)),
        metrics,
        now: () => now,
      },
    );
    const flags = Object.fromEntries(results.map((r) => [r.name, r.flags]));
    expect(flags).toEqual({
      healthy: [],
      disabled: ['rotation-disabled', 'overdue'],
      overdue: ['overdue'],
      soon: ['due-soon'],
      stuck: ['stuck'],
    });
    expect(report.kind).toBe('rotation-audit');
    expect(report.outcome).toBe('failed');
    expect(report.checks.find((c) => c.name === 'secret gone')?.outcome).toBe('failed');
    expect(report.details?.['summary']).toMatchObject({
      audited: 5,
      flagged: 4,
      stuck: 1,
      dueSoon: 1,
      missing: 1,
    });
    expect(chatLines.join('\n')).toContain('secret stuck failed');
    const data = mock.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
    expect(mock.commandCalls(PutMetricDataCommand)[0]!.args[0].input.Namespace).toBe('Drillbook/Rotation');
    expect(data.find((d) => d.MetricName === 'SecretsFlagged')?.Value).toBe(4);
    const soonDays = data.find(
      (d) => d.MetricName === 'DaysUntilRotation' && d.Dimensions?.some((x) => x.Value === 'soon'),
    );
    expect(soonDays?.Value).toBe(4);
  });

  it('audits by tag through ListSecrets and stays quiet in chat when nothing is flagged', async () => {
    const now = new Date();
    const fake = fakeSecretsManager(
      [1, 2, 3].map((i) => ({
        name: `svc-${i}`,
        rotationEnabled: true,
        days: 30,
        lastRotated: new Date(now.getTime() - i * DAY),
        created: new Date(now.getTime() - 90 * DAY),
        tags: { 'drillbook:rotation': 'yes' },
        versions: { a: { stages: ['AWSCURRENT'], value: '{}' } },
      })),
      2,
    );
    const chatLines: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-audit-'));
    const { report } = await rotationAudit(
      {
        ...policy,
        system: 'shop',
        environment: 'production',
        secretIds: [],
        tag: { key: 'drillbook:rotation' },
      },
      {
        store: new SecretsManagerStore({ client: fake.client }),
        runbook: new FolderRunbookStore(join(dir, 'runbook')),
        chat: new ConsoleChat((t) => chatLines.push(t)),
      },
    );
    expect(report.outcome).toBe('passed');
    expect(report.checks.map((c) => c.name)).toEqual(['secret svc-1', 'secret svc-2', 'secret svc-3']);
    expect(chatLines).toEqual([]);
  });
});
