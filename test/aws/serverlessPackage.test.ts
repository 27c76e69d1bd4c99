import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaConfig } from '../../lib/aws/runtime.js';
import { parseConfig } from '../../lib/drillbookConfig.js';

/**
 * `npm run package:aws` (serverless package, offline, no credentials) and assertions on the
 * CloudFormation it generates: what gets deployed, not what the yml hopes for.
 */
const root = join(import.meta.dirname, '..', '..');
const templatePath = join(root, '.serverless', 'cloudformation-template-update-stack.json');
/** A config with distinctive names (none of them a default), so each must reach its IAM statement. */
const configFile = 'test/aws/fixtures/stack.drillbook.json';
const params: Record<string, string> = {
  drillbookConfig: configFile,
  lambdaSubnetIds: 'subnet-0aaa1111,subnet-0bbb2222',
  lambdaSecurityGroupIds: 'sg-0ccc3333',
  natsUrl: 'nats://nats.acme.internal:4222',
  stateMachineLogLevel: 'ALL',
  logRetentionDays: '90',
};
const offline = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'offline',
  AWS_SECRET_ACCESS_KEY: 'offline',
  AWS_SESSION_TOKEN: '',
};
function packageStack(given: Record<string, string>) {
  const args = Object.entries(given).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
  return spawnSync('npm', ['run', '--silent', 'package:aws', '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 280_000,
    env: offline,
  });
}

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
let resources: Record<string, Resource>;
let outputs: Record<string, { Value: unknown }>;

/** Packages the stack and returns its CloudFormation template (failing with serverless's output). */
function packagedTemplate(given: Record<string, string>) {
  rmSync(join(root, '.serverless'), { recursive: true, force: true });
  const run = packageStack(given);
  if (run.status !== 0 || !existsSync(templatePath)) {
    throw new Error(`serverless package failed (${run.status}): ${run.stderr}\n${run.stdout}`.slice(0, 4000));
  }
  return JSON.parse(readFileSync(templatePath, 'utf8')) as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
}

beforeAll(() => {
  const template = packagedTemplate(params);
  resources = template.Resources;
  outputs = template.Outputs;
}, 300_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function statements(): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  for (const [name, role] of ofType('AWS::IAM::Role')) {
    const policies = (role.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
    for (const p of policies)
      for (const s of p.PolicyDocument.Statement) found.push({ where: name, statement: s });
  }
  for (const [name, policy] of ofType('AWS::IAM::Policy')) {
    const doc = policy.Properties['PolicyDocument'] as { Statement: Statement[] };
    for (const s of doc.Statement) found.push({ where: name, statement: s });
  }
  return found;
}

describe('serverless package (CloudFormation)', () => {
  it('has both state machines, and every Task points at a function defined in the stack', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'BackupStateMachine',
        'RestoreDrillStateMachine',
        'ReplayRehearsalStateMachine',
      ]),
    );
    for (const [name, machine] of machines) {
      const sub = (
        machine.Properties['DefinitionString'] as { 'Fn::Sub': [string, Record<string, unknown>] }
      )['Fn::Sub'];
      const [text, params]: [string, Record<string, unknown>] = Array.isArray(sub) ? sub : [sub, {}];
      const definition = JSON.parse(text) as { States: Record<string, { Type: string; Resource?: string }> };
      const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
      expect(tasks.length, name).toBeGreaterThan(0);
      for (const [stateName, state] of tasks) {
        const key = /^\$\{(\w+)\}$/.exec(state.Resource ?? '')?.[1];
        const target = key ? (params[key] as { 'Fn::GetAtt'?: [string, string] }) : undefined;
        const fn = target?.['Fn::GetAtt']?.[0];
        expect(fn, `${name}.${stateName}`).toBeDefined();
        expect(resources[fn!]?.Type, `${name}.${stateName} -> ${fn}`).toBe('AWS::Lambda::Function');
      }
    }
  });

  it('gives every function its own IAM role', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(9);
    const roles = functions.map(([name, fn]) => {
      const role = (fn.Properties['Role'] as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
      expect(role, name).toBeDefined();
      expect(resources[role!]?.Type, name).toBe('AWS::IAM::Role');
      return role;
    });
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('allows no wildcard action anywhere', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(20);
    for (const { where, statement } of all) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of actions(statement)) expect(action, where).not.toContain('*');
    }
  });

  it('lets only the steps that seal or check manifests read the configured manifest key', () => {
    const policy = resources['DrillbookManifestKeyPolicy'];
    expect(policy?.Type).toBe('AWS::IAM::Policy');
    expect(policy?.Properties['Roles']).toEqual([
      { Ref: 'DrillbookBackupFinishRole' },
      { Ref: 'DrillbookRestoreDrillStartRole' },
      { Ref: 'DrillbookRestoreDrillVerifyRole' },
    ]);
    const doc = policy?.Properties['PolicyDocument'] as { Statement: Statement[] };
    expect(doc.Statement).toEqual([
      {
        Sid: 'ManifestKey',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          {
            'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:eu-west-1:\${AWS::AccountId}:secret:acme/orders/manifest-key-??????`,
          },
        ],
      },
    ]);
  });

  it('lets RDS delete actions touch only drillbook-tagged resources', () => {
    const deletes = statements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' && actions(statement).some((a) => /^rds:Delete/.test(a)),
    );
    expect(deletes.map((d) => d.where).sort()).toEqual([
      'DrillbookBackupFinishRole',
      'DrillbookRestoreDrillStartRole',
      'DrillbookRestoreDrillTeardownRole',
    ]);
    // Exactly this stage's names, and only when the tags say drillbook made them (StringEquals: an
    // operator such as StringNotEquals or Null would grant the opposite).
    const snapshotArn =
      /^arn:\$\{AWS::Partition\}:rds:\*:\$\{AWS::AccountId\}:(snapshot|cluster-snapshot):drillbook-prod-\*$/;
    const stagingArn =
      /^arn:\$\{AWS::Partition\}:rds:\$\{AWS::Region\}:\$\{AWS::AccountId\}:(db|cluster):drillbook-drill-prod-\*$/;
    for (const { where, statement } of deletes) {
      const snapshots = actions(statement).every((a) => /^rds:Delete(DB|DBCluster)Snapshot$/.test(a));
      const arns = (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map((r) =>
        typeof r === 'string' ? r : (r as { 'Fn::Sub'?: string })['Fn::Sub'],
      );
      expect(arns.length, where).toBe(2);
      for (const arn of arns) expect(arn, where).toMatch(snapshots ? snapshotArn : stagingArn);
      expect(statement.Condition, where).toEqual({
        StringEquals: snapshots
          ? { 'aws:ResourceTag/drillbook:managed': 'true', 'aws:ResourceTag/drillbook:stage': 'prod' }
          : { 'aws:ResourceTag/drillbook:drill': 'true' },
      });
    }
  });

  it('schedules the backup daily and the drill monthly, and hands each function the validated config', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties['ScheduleExpression']);
    expect(rules).toEqual(expect.arrayContaining(['cron(0 2 * * ? *)', 'cron(0 6 1 * ? *)']));
    const ours = ofType('AWS::Lambda::Function').filter(([name]) => /^(Backup|RestoreDrill)[A-Z]/.test(name));
    expect(ours).toHaveLength(10);
    // Read as the functions read it (lambdaConfig: the CLI's schema), it is the fixture's config.
    const expected = parseConfig(JSON.parse(readFileSync(join(root, configFile), 'utf8')), root);
    for (const [name, fn] of ours) {
      const env = (fn.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
      const config = lambdaConfig({
        DRILLBOOK_CONFIG_JSON: env['DRILLBOOK_CONFIG_JSON'],
        LAMBDA_TASK_ROOT: root,
      });
      expect(config.systems, name).toEqual(expected.systems);
      expect(config.reporting, name).toEqual(expected.reporting);
      expect(config.canary, name).toBeUndefined();
    }
  });

  it('puts every function that reaches Postgres or NATS in the configured VPC, with its network-interface permissions', () => {
    const inVpc = [
      'HeartbeatLambdaFunction',
      'BackupStartLambdaFunction',
      'BackupFinishLambdaFunction',
      'RestoreDrillVerifyLambdaFunction',
      'RestoreDrillCatchUpLambdaFunction',
      'ReplayRehearsalLambdaFunction',
      'RotatePostgresLambdaFunction',
    ];
    const eni = [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ];
    for (const name of inVpc) {
      expect(resources[name]?.Properties['VpcConfig'], name).toEqual({
        SubnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
        SecurityGroupIds: ['sg-0ccc3333'],
      });
      const role = (resources[name]!.Properties['Role'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const granted = statements()
        .filter(({ where, statement }) => where === role && statement.Resource === '*')
        .flatMap(({ statement }) => actions(statement));
      expect(granted, role).toEqual(expect.arrayContaining(eni));
    }
    const env = (name: string) =>
      (resources[name]!.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
    // verify-full TLS to RDS: the runtime's CA bundle, only where Postgres is reached (cold start).
    for (const name of inVpc) expect(env(name)['NODE_EXTRA_CA_CERTS'], name).toBe('/var/runtime/ca-cert.pem');
    expect(env('BackupPollLambdaFunction')['NODE_EXTRA_CA_CERTS']).toBeUndefined();
    expect(env('ReplayRehearsalLambdaFunction')['DRILLBOOK_NATS_URL']).toBe('nats://nats.acme.internal:4222');
  });

  it("scopes IAM to the config's own names, and hands the same names to the functions", () => {
    const text = (where: string, action: string) =>
      JSON.stringify(
        statements().filter(({ where: w, statement }) => w === where && actions(statement).includes(action)),
      );
    // Runbook bucket and prefix: every role that reads or writes reports.
    for (const role of [
      'CanaryHaltRole',
      'ReplayRehearsalRole',
      'RotationAuditRole',
      'DrillbookBackupFinishRole',
      'DrillbookRestoreDrillReportRole',
    ]) {
      expect(text(role, 's3:PutObject'), role).toContain('acme-ops-evidence/ops/drills/');
      expect(text(role, 's3:ListBucket'), role).toContain('ops/drills/*');
      expect(text(role, 'cloudwatch:PutMetricData'), role).toContain('Acme/Resilience');
    }
    const all = JSON.stringify(statements());
    for (const stale of ['drillbook-runbook', 'chat-webhook', '"Drillbook"', 'shop-db', '123456789012'])
      expect(all).not.toContain(stale);
    // The chat webhook secret, to the roles that post reports.
    const chat = resources['DrillbookChatWebhookPolicy']!;
    expect(JSON.stringify(chat.Properties['PolicyDocument'])).toContain(':secret:acme/slack/ops-hook-??????');
    expect(chat.Properties['Roles']).toEqual(
      expect.arrayContaining([{ Ref: 'RotationAuditRole' }, { Ref: 'CanaryHaltRole' }]),
    );
    // Source instance and cluster, their secrets, the staging subnet group.
    const start = text('DrillbookRestoreDrillStartRole', 'rds:RestoreDBInstanceToPointInTime');
    expect(start).toContain(':rds:eu-west-1:');
    expect(start).toContain(':cluster:ledger-aurora');
    expect(start).toContain(':subgrp:acme-staging-private');
    expect(text('DrillbookBackupStartRole', 'rds:CreateDBSnapshot')).toContain(':db:orders-primary');
    const secrets = text('DrillbookBackupFinishRole', 'secretsmanager:GetSecretValue');
    expect(secrets).toContain(':secret:acme/orders/source-??????');
    expect(secrets).toContain(':secret:acme/ledger/source-??????');
    // Snapshots: only this stage's (drillbook-<stage>-...), deleted only when tagged with it.
    const prune = statements().find(({ statement }) => actions(statement).includes('rds:DeleteDBSnapshot'))!;
    expect(JSON.stringify(prune.statement.Resource)).toContain(':snapshot:drillbook-prod-*');
    expect(prune.statement.Condition?.['StringEquals']?.['aws:ResourceTag/drillbook:stage']).toBe('prod');
    expect(text('DrillbookBackupStartRole', 'rds:CreateDBSnapshot')).toContain(':snapshot:drillbook-prod-*');
    // Drill staging: only this stage's (drillbook-drill-<stage>-...) may be deleted or rebooted.
    const drillDeletes = statements().filter(({ statement }) =>
      actions(statement).some((a) =>
        ['rds:DeleteDBInstance', 'rds:DeleteDBCluster', 'rds:RebootDBInstance'].includes(a),
      ),
    );
    expect(drillDeletes.length).toBeGreaterThan(0);
    for (const { where, statement } of drillDeletes) {
      const resources = JSON.stringify(statement.Resource);
      if (resources.includes('snapshot')) continue;
      expect(resources, where).toContain('drillbook-drill-prod-*');
      expect(resources, where).not.toContain('drillbook-drill-*');
    }
    // Canary: the configured deployment group.
    expect(text('CanaryHaltRole', 'codedeploy:StopDeployment')).toContain(
      'deploymentgroup:storefront/storefront-live',
    );
    // The functions without the config JSON get the same names in their environment.
    const env = (
      resources['CanaryHaltLambdaFunction']!.Properties['Environment'] as {
        Variables: Record<string, string>;
      }
    ).Variables;
    expect(env).toMatchObject({
      DRILLBOOK_RUNBOOK_BUCKET: 'acme-ops-evidence',
      DRILLBOOK_RUNBOOK_PREFIX: 'ops/drills/',
      DRILLBOOK_METRICS_NAMESPACE: 'Acme/Resilience',
      DRILLBOOK_WEBHOOK_SECRET_ID: 'acme/slack/ops-hook',
      DRILLBOOK_RUNBOOK_KMS_KEY_ID:
        'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(JSON.parse(env['DRILLBOOK_CANARY_CONFIG']!).groups[0].application).toBe('storefront');
  });

  it("lets the rotation roles and the audit touch only secrets tagged with the stack's stage", () => {
    const secretCalls = (role: string) =>
      statements().filter(
        ({ where, statement }) =>
          where === role &&
          actions(statement).some(
            (a) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:ListSecrets',
          ),
      );
    const scopes: Record<string, string[]> = {
      RotatePostgresRole: ['drillbook/postgres/*', 'drillbook/postgres-admin/*'],
      RotateJwtRole: ['drillbook/jwt/*'],
      RotateHmacRole: ['drillbook/hmac/*'],
      RotationAuditRole: ['*'],
    };
    for (const [role, names] of Object.entries(scopes)) {
      const found = secretCalls(role);
      expect(found.length, role).toBe(names.length);
      for (const [i, { statement }] of found.entries()) {
        expect(JSON.stringify(statement.Resource), role).toContain(`:secret:${names[i]}`);
        expect(statement.Condition?.['StringEquals'], role).toEqual({
          'aws:ResourceTag/drillbook:stage': 'prod',
        });
      }
    }
    // The writes and stage moves are among the conditioned calls.
    const rotate = secretCalls('RotateHmacRole')[0]!.statement;
    expect(actions(rotate)).toEqual(
      expect.arrayContaining(['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']),
    );
    const audit = secretCalls('RotationAuditRole')[0]!.statement;
    expect(audit.Condition?.['StringLike']).toEqual({ 'aws:ResourceTag/drillbook:rotation': '*' });
    const env = (
      resources['RotationAuditLambdaFunction']!.Properties['Environment'] as {
        Variables: Record<string, string>;
      }
    ).Variables;
    expect(env).toMatchObject({ AUDIT_TAG_KEY: 'drillbook:rotation', DRILLBOOK_STAGE: 'prod' });
  });

  it('lets every role that reads or writes reports and manifests use the runbook KMS key', () => {
    const policy = resources['DrillbookRunbookKmsPolicy']!;
    expect(policy.Properties['PolicyDocument']).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RunbookKms',
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
        },
      ],
    });
    const withKey = (policy.Properties['Roles'] as { Ref: string }[]).map((r) => r.Ref);
    const s3Roles = new Set(
      statements()
        .filter(({ statement }) =>
          actions(statement).some((a) => a === 's3:PutObject' || a === 's3:GetObject'),
        )
        .map(({ where }) => where),
    );
    expect([...s3Roles].sort()).toEqual([...withKey].sort());
  });

  it('lets each canary role read and write exactly the runbook keys its code uses', () => {
    const bucket = 'acme-ops-evidence';
    const prefix = 'ops/drills/';
    /** Whether a role's statements allow `action` on object `key` (S3 ARNs as IAM matches them: `*` globs). */
    const allows = (role: string, action: string, key: string) =>
      statements()
        .filter(({ where, statement }) => where === role && statement.Effect === 'Allow')
        .filter(({ statement }) => actions(statement).includes(action))
        .flatMap(({ statement }) =>
          Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
        )
        .map((r) => (typeof r === 'string' ? r : ((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? '')))
        .map((arn) => arn.replace(/\$\{AWS::Partition\}/, 'aws'))
        .some((arn) => {
          const pattern = arn.split('*').map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&'));
          return new RegExp(`^${pattern.join('.*')}$`).test(`arn:aws:s3:::${bucket}/${prefix}${key}`);
        });
    const halt = 'CanaryHaltRole';
    expect(allows(halt, 's3:PutObject', 'reports/canary-halt/2026/12/r1.json')).toBe(true);
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'])
      expect(allows(halt, action, 'canary-halts/d-ABC123.json'), action).toBe(true);
    expect(allows(halt, 's3:PutObject', 'reports/restore-drill/2026/12/r1.json')).toBe(false);
    for (const hook of ['CanaryBeforeAllowTrafficRole', 'CanaryAfterAllowTrafficRole']) {
      expect(allows(hook, 's3:PutObject', 'reports/canary-verdict/2026/12/r1.json'), hook).toBe(true);
      expect(allows(hook, 's3:PutObject', 'canary-halts/d-ABC123.json'), hook).toBe(false);
    }
  });

  it('writes heartbeats into every source every minute, with only what that needs', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties['Targets']).includes('HeartbeatLambdaFunction'),
    );
    expect(rules.map(([, r]) => r.Properties['ScheduleExpression'])).toEqual(['rate(1 minute)']);
    const granted = statements().filter(({ where }) => where === 'DrillbookHeartbeatRole');
    const byAction = (action: string) => granted.find(({ statement }) => actions(statement).includes(action));
    expect(JSON.stringify(byAction('rds:DescribeDBInstances')?.statement.Resource)).not.toContain('db:*');
    expect(byAction('secretsmanager:GetSecretValue')).toBeDefined();
    expect(granted.flatMap(({ statement }) => actions(statement)).some((a) => a.startsWith('s3:'))).toBe(
      false,
    );
  });

  it('pages the alarm topic on failed, timed-out and aborted executions, breached objectives, flagged rotations and a lost halt', () => {
    expect(resources['DrillbookAlarmTopic']?.Type).toBe('AWS::SNS::Topic');
    expect(outputs['AlarmTopicArn']?.Value).toEqual({ Ref: 'DrillbookAlarmTopic' });
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const a of alarms)
      expect(a['AlarmActions'], String(a['MetricName'])).toEqual([{ Ref: 'DrillbookAlarmTopic' }]);
    const key = (a: Record<string, unknown>) =>
      `${a['Namespace']} ${a['MetricName']} ${JSON.stringify(a['Dimensions'])}`;
    const keys = alarms.map(key);
    for (const machine of ['BackupStateMachine', 'RestoreDrillStateMachine', 'ReplayRehearsalStateMachine'])
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])
        expect(keys).toContain(
          `AWS/States ${metric} [{"Name":"StateMachineArn","Value":{"Ref":"${machine}"}}]`,
        );
    for (const system of ['orders', 'ledger'])
      for (const metric of ['RpoBreached', 'RtoBreached'])
        expect(keys).toContain(
          `Acme/Resilience ${metric} [{"Name":"System","Value":"${system}"},{"Name":"Kind","Value":"restore-drill"}]`,
        );
    const halt = '[{"Name":"FunctionName","Value":{"Ref":"CanaryHaltLambdaFunction"}}]';
    expect(keys).toEqual(
      expect.arrayContaining([`AWS/Lambda Errors ${halt}`, `AWS/Lambda AsyncEventsDropped ${halt}`]),
    );
    expect(keys.some((k) => k.startsWith('Drillbook/Rotation SecretsFlagged'))).toBe(true);
    // No heartbeat, no RPO: the writer's failures page too.
    expect(keys).toContain(
      'AWS/Lambda Errors [{"Name":"FunctionName","Value":{"Ref":"HeartbeatLambdaFunction"}}]',
    );
    // A halt that failed its retries goes to a queue (and the queue pages).
    const invoke = ofType('AWS::Lambda::EventInvokeConfig').find(
      ([, c]) => JSON.stringify(c.Properties['FunctionName']) === '{"Ref":"CanaryHaltLambdaFunction"}',
    );
    expect(invoke?.[1].Properties['DestinationConfig']).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['CanaryHaltDeadLetterQueue', 'Arn'] } },
    });
    expect(keys.some((k) => k.startsWith('AWS/SQS ApproximateNumberOfMessagesVisible'))).toBe(true);
  });

  it("schedules the replay rehearsal of each stream the config lists, with the config's own names", () => {
    const rules = ofType('AWS::Events::Rule').filter(
      ([, r]) => r.Properties['ScheduleExpression'] === 'cron(30 4 ? * SUN *)',
    );
    expect(rules).toHaveLength(1);
    const target = (rules[0]![1].Properties['Targets'] as { Input: string; Arn: unknown }[])[0]!;
    expect(JSON.parse(target.Input)).toEqual({
      system: 'orders',
      stream: 'ORDER_EVENTS',
      projection: 'orders-read-model',
    });
    expect(target.Arn).toEqual({ Ref: 'ReplayRehearsalStateMachine' });
    expect(JSON.stringify(ofType('AWS::Events::Rule'))).not.toContain('CONTACTS');
  });

  it('logs every state machine at the configured level into a log group with the configured retention', () => {
    expect(resources['DrillbookStateMachineLogGroup']?.Properties['RetentionInDays']).toBe(90);
    for (const [name, machine] of ofType('AWS::StepFunctions::StateMachine')) {
      expect(machine.Properties['LoggingConfiguration'], name).toEqual({
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': ['DrillbookStateMachineLogGroup', 'Arn'] },
            },
          },
        ],
      });
    }
  });

  it('fails packaging without a required parameter, naming it', () => {
    const { lambdaSubnetIds: _, ...without } = params;
    const run = packageStack(without);
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('--param lambdaSubnetIds is required');
  });
  describe('rotation functions, as packaged', () => {
    const rotation = { RotatePostgres: 'postgres', RotateJwt: 'jwt', RotateHmac: 'hmac' } as const;
    const roleOf = (fn: string) =>
      (resources[fn]!.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    it('gives every rotation function its own role, writing only its kind of secret', () => {
      for (const [name, kind] of Object.entries(rotation)) {
        const fn = `${name}LambdaFunction`;
        expect(resources[fn]?.Properties['Handler']).toBe(
          `functions/${name[0]!.toLowerCase()}${name.slice(1)}.handler`,
        );
        const role = roleOf(fn);
        expect(role).toBe(`${name}Role`);
        const sm = statements().filter(
          ({ where, statement }) =>
            where === role && actions(statement).some((a) => a.startsWith('secretsmanager:')),
        );
        const writes = sm.find(({ statement }) =>
          actions(statement).includes('secretsmanager:PutSecretValue'),
        );
        expect([...actions(writes!.statement)].sort(), role).toEqual([
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ]);
        expect(JSON.stringify(writes!.statement.Resource), role).toContain(`:secret:drillbook/${kind}/*`);
        for (const { statement } of sm) expect(statement.Resource, role).not.toBe('*');
      }
    });

    it('lets Secrets Manager, from this account only, invoke each rotation function', () => {
      for (const name of Object.keys(rotation)) {
        const permissions = ofType('AWS::Lambda::Permission').filter(
          ([, r]) =>
            JSON.stringify(r.Properties['FunctionName']) ===
            JSON.stringify({ 'Fn::GetAtt': [`${name}LambdaFunction`, 'Arn'] }),
        );
        expect(permissions.map(([, r]) => r.Properties)).toEqual([
          {
            Action: 'lambda:InvokeFunction',
            FunctionName: { 'Fn::GetAtt': [`${name}LambdaFunction`, 'Arn'] },
            Principal: 'secretsmanager.amazonaws.com',
            SourceAccount: { Ref: 'AWS::AccountId' },
          },
        ]);
      }
    });

    it('runs the audit daily, and its "*" resources are only the calls AWS allows no narrower resource for', () => {
      const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
        JSON.stringify(r.Properties['Targets']).includes('"RotationAuditLambdaFunction"'),
      );
      expect(rules.map(([, r]) => r.Properties['ScheduleExpression'])).toEqual(['cron(0 6 * * ? *)']);
      const wide = statements().filter(
        ({ where, statement }) =>
          where === roleOf('RotationAuditLambdaFunction') && statement.Resource === '*',
      );
      expect(wide.flatMap(({ statement }) => actions(statement)).sort()).toEqual([
        'cloudwatch:PutMetricData',
        'secretsmanager:ListSecrets',
      ]);
      const metrics = wide.find(({ statement }) => actions(statement).includes('cloudwatch:PutMetricData'))!;
      // The config's reporting.metricsNamespace, resolved, and the rotation metrics' own namespace.
      expect(metrics.statement.Condition).toEqual({
        StringEquals: { 'cloudwatch:namespace': ['Acme/Resilience', 'Drillbook/Rotation'] },
      });
    });
  });
});

describe('serverless package without a canary section (no CodeDeploy)', () => {
  let without: Record<string, Resource>;
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-nocanary-'));
  beforeAll(() => {
    const { canary: _, ...config } = JSON.parse(readFileSync(join(root, configFile), 'utf8'));
    const file = join(dir, 'drillbook.json');
    writeFileSync(file, JSON.stringify(config));
    without = packagedTemplate({ ...params, drillbookConfig: file }).Resources;
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deploys backups and drills with no canary function, role, rule, queue or alarm, and no grant to one', () => {
    const canaryNamed = (r: Record<string, Resource>) => Object.keys(r).filter((n) => /canary/i.test(n));
    // The full config has them all ...
    expect(canaryNamed(resources)).toEqual(
      expect.arrayContaining([
        'CanaryHaltLambdaFunction',
        'CanaryBeforeAllowTrafficLambdaFunction',
        'CanaryAfterAllowTrafficLambdaFunction',
        'CanaryHaltRole',
        'CanaryHaltDeadLetterQueue',
        'CanaryHaltErrorsAlarm',
      ]),
    );
    expect(JSON.stringify(resources)).toContain('codedeploy:');
    // ... without the section: none, nothing refers to one, and nothing reaches CodeDeploy.
    expect(canaryNamed(without)).toEqual([]);
    const text = JSON.stringify(without);
    expect(text).not.toMatch(/canary/i);
    expect(text).not.toContain('codedeploy:');
    expect(text).not.toContain('CloudWatch Alarm State Change');
    // Backups and drills are all there.
    for (const name of ['BackupStateMachine', 'RestoreDrillStateMachine', 'BackupFinishLambdaFunction'])
      expect(without[name], name).toBeDefined();
  });
});
