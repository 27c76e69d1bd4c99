import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

interface Settings {
  resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  runbook: { bucket: string; prefix: string; kmsKeyId: string };
  configJson: string;
  canaryFunctions: Record<string, unknown>;
  replaySchedules: unknown[];
}
const require = createRequire(import.meta.url);
const { stackSettings } = require('../../config/stack.serverless.cjs') as {
  stackSettings: (config: unknown, params: Record<string, string>, stage: string) => Settings;
};

const example = () => JSON.parse(readFileSync('config/drillbook.aws.example.json', 'utf8'));
const params = {
  drillbookConfig: 'config/drillbook.aws.example.json',
  lambdaSubnetIds: 'subnet-0aaa1111',
  lambdaSecurityGroupIds: 'sg-0ccc3333',
  natsUrl: 'nats://nats:4222',
};

describe('stack settings from the drillbook config and params', () => {
  it('grants no KMS key when the runbook bucket has none, and one when it has', () => {
    const plain = stackSettings(example(), params, 'prod');
    expect(plain.resources.Resources['DrillbookRunbookKmsPolicy']).toBeUndefined();
    expect(plain.runbook.kmsKeyId).toBe('');
    const config = example();
    config.reporting = { kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' };
    const keyed = stackSettings(config, params, 'prod');
    expect(JSON.stringify(keyed.resources.Resources['DrillbookRunbookKmsPolicy'])).toContain(
      ':key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
  });

  it('asks for the key ARN when the config names the key by alias', () => {
    const config = example();
    config.reporting = { kmsKeyId: 'alias/runbook' };
    expect(() => stackSettings(config, params, 'prod')).toThrow(/--param runbookKmsKeyArn/);
    const given = stackSettings(
      config,
      { ...params, runbookKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k' },
      'prod',
    );
    expect(JSON.stringify(given.resources.Resources['DrillbookRunbookKmsPolicy'])).toContain(':key/k');
  });

  it('uses the given alarm topic instead of creating one', () => {
    const settings = stackSettings(
      example(),
      { ...params, alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:pager' },
      'prod',
    );
    expect(settings.resources.Resources['DrillbookAlarmTopic']).toBeUndefined();
  });

  it('leaves the canary functions, their roles, rule, queue and alarms out without a canary section', () => {
    const full = stackSettings(example(), params, 'prod');
    expect(Object.keys(full.canaryFunctions).sort()).toEqual([
      'canaryAfterAllowTraffic',
      'canaryBeforeAllowTraffic',
      'canaryHalt',
    ]);
    expect(Object.keys(full.resources.Resources).filter((n) => n.startsWith('Canary'))).toHaveLength(7);

    const config = example();
    delete config.canary;
    config.reporting = { kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' };
    config.chat = { webhookSecretId: 'acme/chat' };
    const without = stackSettings(config, params, 'prod');
    expect(without.canaryFunctions).toEqual({});
    const resources = without.resources.Resources;
    expect(Object.keys(resources).filter((n) => n.startsWith('Canary'))).toEqual([]);
    // The KMS and chat grants name only roles that exist: no canary role.
    const text = JSON.stringify(resources);
    expect(text).not.toContain('Canary');
    expect(JSON.stringify(resources['DrillbookRunbookKmsPolicy'])).toContain('DrillbookBackupFinishRole');
    expect(JSON.stringify(resources['DrillbookChatWebhookPolicy'])).toContain('RotationAuditRole');
  });

  it.each([
    ['runbook.s3.bucket', (c: { runbook: unknown }) => (c.runbook = {})],
    ['systems[].aws', (c: { systems: { aws?: unknown }[] }) => delete c.systems[0]!.aws],
  ])('fails naming %s when the config lacks it', (field, strip) => {
    const config = example();
    strip(config);
    expect(() => stackSettings(config, params, 'prod')).toThrow(field);
  });

  it('fails naming --param lambdaSecurityGroupIds when it is missing', () => {
    const { lambdaSecurityGroupIds: _, ...without } = params;
    expect(() => stackSettings(example(), without as typeof params, 'prod')).toThrow(
      '--param lambdaSecurityGroupIds',
    );
  });

  it('needs a NATS server for scheduled rehearsals: systems[].nats, or --param natsUrl as the fallback', () => {
    const { natsUrl: _, ...without } = params;
    expect(() => stackSettings(example(), without as typeof params, 'prod')).not.toThrow();
    const config = example();
    config.systems[0].streams = [{ stream: 'CONTACTS', projection: 'contacts' }];
    expect(() => stackSettings(config, without as typeof params, 'prod')).toThrow('systems.shop.nats');
    config.systems[0].nats = { url: 'tls://nats.internal:4222', credentialsSecretId: 'drillbook/nats/shop' };
    config.systems[0].replay = { secretId: 'shop/replay-db' };
    const settings = stackSettings(config, without as typeof params, 'prod');
    const policy = settings.resources.Resources['DrillbookReplaySecretsPolicy']!.Properties as {
      Roles: unknown;
      PolicyDocument: unknown;
    };
    // The restore drill's catch-up reads the same logins.
    expect(policy.Roles).toEqual([
      { Ref: 'ReplayRehearsalRole' },
      { Ref: 'DrillbookRestoreDrillCatchUpRole' },
    ]);
    expect(JSON.stringify(policy.PolicyDocument)).toContain('secret:drillbook/nats/shop-??????');
    expect(JSON.stringify(policy.PolicyDocument)).toContain('secret:shop/replay-db-??????');
  });

  it('schedules no replay without listed streams, and names a stream entry that lacks its projection', () => {
    expect(stackSettings(example(), params, 'prod').replaySchedules).toEqual([]);
    const config = example();
    config.systems[0].streams = [{ stream: 'CONTACTS' }];
    expect(() => stackSettings(config, params, 'prod')).toThrow('systems.shop.streams.0.projection');
  });

  it('refuses a stage that cannot be part of a snapshot id', () => {
    expect(() => stackSettings(example(), params, 'Prod_1')).toThrow('--stage');
  });

  it('hands the backup functions the config without its canary section, and refuses one past the environment limit', () => {
    expect(JSON.parse(stackSettings(example(), params, 'prod').configJson).canary).toBeUndefined();
    const config = example();
    config.systems[0].restore.checks = Array.from({ length: 60 }, (_, i) => ({
      name: `check-${i}`,
      sql: 'SELECT count(*) > 0 FROM public.orders',
      expect: true,
    }));
    expect(() => stackSettings(config, params, 'prod')).toThrow(/4 KB/);
  });

  it('refuses a subnet list that is not subnet ids', () => {
    expect(() =>
      stackSettings(example(), { ...params, lambdaSubnetIds: 'subnet-0aaa,private-a' }, 'prod'),
    ).toThrow(/lambdaSubnetIds.*"private-a"/);
  });

  it('creates the runbook bucket only when asked: encrypted with the runbook key, versioned, private, TLS only', () => {
    expect(
      stackSettings(example(), params, 'prod').resources.Resources['DrillbookRunbookBucket'],
    ).toBeUndefined();
    const config = example();
    config.reporting = { kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k' };
    const created = stackSettings(config, { ...params, createRunbookBucket: 'true' }, 'prod').resources
      .Resources;
    const bucket = created['DrillbookRunbookBucket']!.Properties;
    expect(bucket['BucketName']).toBe('drillbook-runbook');
    expect(bucket['BucketEncryption']).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/k',
          },
          BucketKeyEnabled: true,
        },
      ],
    });
    expect(bucket['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
    expect(Object.values(bucket['PublicAccessBlockConfiguration'] as object).every((v) => v === true)).toBe(
      true,
    );
    const policy = JSON.stringify(created['DrillbookRunbookBucketPolicy']!.Properties);
    expect(policy).toContain('"Effect":"Deny"');
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(() => stackSettings(example(), { ...params, createRunbookBucket: 'yes' }, 'prod')).toThrow(
      '--param createRunbookBucket',
    );
  });
  it('pages on ServiceRtoBreached only for systems whose drill catches its read models up', () => {
    const alarmsFor = (config: { systems: { name: string }[] }) =>
      Object.values(stackSettings(config, params, 'prod').resources.Resources)
        .filter(
          (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties['MetricName'] === 'ServiceRtoBreached',
        )
        .map((r) => JSON.stringify(r.Properties['Dimensions']));
    expect(alarmsFor(example())).toEqual([]);
    const config = example();
    const first = config.systems[0];
    first.restore = { ...first.restore, catchUp: { stream: 'ORDERS', projections: [] } };
    expect(alarmsFor(config)).toEqual([
      JSON.stringify([
        { Name: 'System', Value: first.name },
        { Name: 'Kind', Value: 'restore-drill' },
      ]),
    ]);
    // Configured but switched off: the metric is never published, so no alarm either.
    first.restore.catchUp.enabled = false;
    expect(alarmsFor(config)).toEqual([]);
  });
});
