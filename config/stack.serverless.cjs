// serverless.yml resolver (custom.stack): everything the stack takes from the user, from ONE place:
// the drillbook config file (--param drillbookConfig=path) plus a few --params for what the config
// does not hold (Lambda subnets and security groups, the alarm topic, logging). Both the Lambda
// environment and the IAM statements, alarms and logging are derived here, so a name the user
// chooses cannot reach one and miss the other. A missing required value fails packaging, naming it.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { stack: canaryStack } = require('./canary.serverless.cjs');
const { manifestKeyGrants, secretResource } = require('./manifestKey.serverless.cjs');

const sub = (text) => ({ 'Fn::Sub': text });
/** CloudFormation pseudo parameter for Fn::Sub, e.g. pseudo('Region') -> "${AWS::Region}". */
const pseudo = (name) => ['$', '{AWS::', name, '}'].join('');
const PARTITION = pseudo('Partition');
const ACCOUNT = pseudo('AccountId');

class StackConfigError extends Error {}
const fail = (what, message) => {
  throw new StackConfigError(`drillbook stack: ${what} ${message}`);
};

/** As the S3 runbook store normalizes it: no leading "/", a trailing "/" unless empty. */
function normalizePrefix(prefix) {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** The key ARN IAM needs for reporting.kmsKeyId (an alias names no key: then --param runbookKmsKeyArn). */
function kmsKeyArn(kmsKeyId, params, region) {
  if (params.runbookKmsKeyArn) return params.runbookKmsKeyArn;
  if (!kmsKeyId) return null;
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\//.test(kmsKeyId)) return kmsKeyId;
  if (/^[0-9a-f-]{36}$/.test(kmsKeyId) || /^mrk-[0-9a-f]{32}$/.test(kmsKeyId)) {
    return sub(`arn:${PARTITION}:kms:${region ?? pseudo('Region')}:${ACCOUNT}:key/${kmsKeyId}`);
  }
  return fail(
    'reporting.kmsKeyId',
    `is "${kmsKeyId}", an alias: IAM needs the key itself, pass --param runbookKmsKeyArn=arn:aws:kms:...:key/...`,
  );
}

const list = (text) =>
  String(text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const LOG_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'];
/** Roles that read or write reports and manifests in the runbook store (KMS and chat go to these). */
const RUNBOOK_ROLES = [
  'CanaryHaltRole',
  'CanaryBeforeAllowTrafficRole',
  'CanaryAfterAllowTrafficRole',
  'ReplayRehearsalRole',
  'RotationAuditRole',
  'DrillbookBackupFinishRole',
  'DrillbookBackupFailedRole',
  'DrillbookRestoreDrillStartRole',
  'DrillbookRestoreDrillVerifyRole',
  'DrillbookRestoreDrillCatchUpRole',
  'DrillbookRestoreDrillReportRole',
];
/** Roles that post a report to chat. */
const CHAT_ROLES = RUNBOOK_ROLES.filter(
  (r) =>
    ![
      'DrillbookRestoreDrillStartRole',
      'DrillbookRestoreDrillVerifyRole',
      'DrillbookRestoreDrillCatchUpRole',
    ].includes(r),
);
const STATE_MACHINES = ['BackupStateMachine', 'RestoreDrillStateMachine', 'ReplayRehearsalStateMachine'];
const TOPIC = 'DrillbookAlarmTopic';

/**
 * The config the backup and drill functions get (DRILLBOOK_CONFIG_JSON): without the canary
 * section (those functions have their own), and small enough for Lambda's 4 KB environment limit
 * (the other variables take about 500 bytes).
 */
const CONFIG_JSON_LIMIT = 3500;
function backupConfigJson(config, file) {
  const { canary: _, ...rest } = config;
  const text = JSON.stringify(rest);
  if (text.length > CONFIG_JSON_LIMIT) {
    fail(
      `--param drillbookConfig (${file})`,
      `is ${text.length} bytes as JSON without its canary section; the functions get it in their environment, limited by Lambda to 4 KB (at most ${CONFIG_JSON_LIMIT} bytes here): shorten restore.checks or split systems across stacks`,
    );
  }
  return text;
}

/** A policy attached to existing roles (a grant that exists only when the config asks for it). */
function policy(name, roles, statement) {
  return {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: name,
      Roles: roles.map((r) => ({ Ref: r })),
      PolicyDocument: { Version: '2012-10-17', Statement: [statement] },
    },
  };
}

/**
 * The runbook bucket, when the stack creates it (--param createRunbookBucket=true): encrypted
 * (the runbook KMS key, else SSE-S3), versioned, no public access, TLS only, kept when the stack
 * is deleted (reports are evidence).
 */
function runbookBucket(bucket, keyArn) {
  const encryption = keyArn
    ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }
    : { SSEAlgorithm: 'AES256' };
  return {
    DrillbookRunbookBucket: {
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketName: bucket,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: encryption, BucketKeyEnabled: Boolean(keyArn) },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    },
    DrillbookRunbookBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'DrillbookRunbookBucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'TlsOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [sub(`arn:${PARTITION}:s3:::${bucket}`), sub(`arn:${PARTITION}:s3:::${bucket}/*`)],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

const WEEKLY = 'cron(0 3 ? * MON *)';
/**
 * The scheduled replay rehearsals: one per systems[].streams[] entry {stream, projection, schedule?}
 * (weekly, Monday 03:00 UTC, unless `schedule` says otherwise); none when no system lists a stream.
 */
function replaySchedules(systems) {
  const events = [];
  for (const system of systems) {
    (system.streams ?? []).forEach((entry, i) => {
      for (const field of ['stream', 'projection']) {
        if (typeof entry?.[field] !== 'string' || entry[field] === '') {
          fail(
            `systems.${system.name}.streams.${i}.${field}`,
            'is required for the scheduled replay rehearsal',
          );
        }
      }
      const input = { system: system.name, stream: entry.stream, projection: entry.projection };
      events.push({ schedule: { rate: entry.schedule ?? WEEKLY, enabled: true, input } });
    });
  }
  return events;
}

function alarm(description, topic, metric) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ActionsEnabled: true,
      AlarmActions: [topic],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ...metric,
    },
  };
}

/**
 * Pure: from the parsed drillbook config and the --params (strings or undefined) to everything
 * serverless.yml uses. Throws a StackConfigError naming the missing or invalid value.
 */
function stackSettings(config, params, stage) {
  // The stage is part of every snapshot id and tag drillbook selects by (lib/aws/backup/backupShared.ts dailyBackupId).
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(stage)) {
    fail(
      '--stage',
      `is "${stage}": use lowercase letters, digits and single hyphens (it is part of RDS snapshot ids)`,
    );
  }
  const s3 = config.runbook?.s3;
  if (!s3?.bucket)
    fail('runbook.s3.bucket', `is required in the drillbook config (${params.drillbookConfig})`);
  const prefix = normalizePrefix(s3.prefix ?? 'drillbook/');
  const reporting = config.reporting ?? {};
  const metricsNamespace = reporting.metricsNamespace ?? 'Drillbook';
  const keyArn = kmsKeyArn(reporting.kmsKeyId, params, s3.region);
  const webhookSecretId = config.chat?.webhookSecretId ?? '';

  const awsSystems = (config.systems ?? []).filter((s) => s.aws);
  if (awsSystems.length === 0) fail('systems[].aws', 'is required: no system has an "aws" section');
  const sourceDbArns = [];
  const sourceSecrets = [];
  const stagingSubnetGroups = [];
  for (const system of awsSystems) {
    const { aws } = system;
    const region = aws.region;
    if (aws.dbInstanceIdentifier)
      sourceDbArns.push(sub(`arn:${PARTITION}:rds:${region}:${ACCOUNT}:db:${aws.dbInstanceIdentifier}`));
    else if (aws.dbClusterIdentifier)
      sourceDbArns.push(sub(`arn:${PARTITION}:rds:${region}:${ACCOUNT}:cluster:${aws.dbClusterIdentifier}`));
    else fail(`systems.${system.name}.aws.dbInstanceIdentifier`, 'or dbClusterIdentifier is required');
    if (!aws.sourceSecretId) fail(`systems.${system.name}.aws.sourceSecretId`, 'is required');
    sourceSecrets.push(secretResource(aws.sourceSecretId, region));
    const group = aws.staging?.dbSubnetGroupName;
    if (!group) fail(`systems.${system.name}.aws.staging.dbSubnetGroupName`, 'is required');
    stagingSubnetGroups.push(sub(`arn:${PARTITION}:rds:${region}:${ACCOUNT}:subgrp:${group}`));
  }

  const subnetIds = list(params.lambdaSubnetIds);
  if (subnetIds.length === 0)
    fail(
      '--param lambdaSubnetIds',
      'is required (comma-separated private subnets that reach Postgres and NATS)',
    );
  for (const id of subnetIds)
    if (!/^subnet-[0-9a-f]+$/.test(id)) fail('--param lambdaSubnetIds', `has "${id}", not a subnet id`);
  const securityGroupIds = list(params.lambdaSecurityGroupIds);
  if (securityGroupIds.length === 0)
    fail('--param lambdaSecurityGroupIds', 'is required (comma-separated security groups of the functions)');
  for (const id of securityGroupIds)
    if (!/^sg-[0-9a-f]+$/.test(id))
      fail('--param lambdaSecurityGroupIds', `has "${id}", not a security group id`);
  // NATS comes from systems[].nats at run time; the param is the fallback for systems without one.
  const streamsWithoutNats = (config.systems ?? []).filter((s) => (s.streams ?? []).length > 0 && !s.nats);
  if (streamsWithoutNats.length > 0 && !params.natsUrl)
    fail(
      `systems.${streamsWithoutNats[0].name}.nats`,
      'is required for its scheduled replay rehearsals (or give --param natsUrl, e.g. nats://nats.internal:4222)',
    );
  // The replay's logins (NATS credentials, the live projection's Postgres) are read at run time.
  const replaySecrets = (config.systems ?? []).flatMap((s) =>
    [s.nats?.credentialsSecretId, s.replay?.secretId]
      .filter(Boolean)
      .map((id) => secretResource(id, s.aws?.region)),
  );

  const createBucket = params.createRunbookBucket === 'true';
  if (params.createRunbookBucket !== undefined && !['true', 'false'].includes(params.createRunbookBucket)) {
    fail('--param createRunbookBucket', 'must be true or false');
  }
  const logLevel = params.stateMachineLogLevel ?? 'ERROR';
  if (!LOG_LEVELS.includes(logLevel))
    fail('--param stateMachineLogLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  const retention = Number(params.logRetentionDays ?? 30);
  if (!Number.isInteger(retention) || retention <= 0)
    fail('--param logRetentionDays', 'must be a whole number of days');

  const rds = (...names) => names.map((n) => sub(`arn:${PARTITION}:rds:${pseudo('Region')}:${ACCOUNT}:${n}`));
  const bucketArn = sub(`arn:${PARTITION}:s3:::${s3.bucket}`);
  const objects = (path) => sub(`arn:${PARTITION}:s3:::${s3.bucket}/${prefix}${path}`);
  const topic = params.alarmTopicArn || { Ref: TOPIC };
  const iam = {
    sourceDbArns,
    sourceSecrets,
    stagingSubnetGroups,
    bucketArn,
    /** Everything under the prefix; reports only; the canary halt's reports; RUNBOOK.md. */
    prefixObjects: [objects('*')],
    reportObjects: [objects('reports/*'), objects('RUNBOOK.md')],
    canaryHaltWrites: [objects('reports/canary-halt/*'), objects('RUNBOOK.md')],
    /** The halt records that make concurrent deliveries stop a deployment once (created, read, released). */
    canaryHaltClaims: [objects('canary-halts/*')],
    canaryVerdictWrites: [objects('reports/canary-verdict/*'), objects('RUNBOOK.md')],
    listPrefix: [`${prefix}*`],
    createSnapshot: [
      ...sourceDbArns,
      ...rds(`snapshot:drillbook-${stage}-*`, `cluster-snapshot:drillbook-${stage}-*`),
    ],
    restoreFromSource: [...sourceDbArns, ...stagingSubnetGroups, ...rds('og:*', 'pg:*', 'cluster-pg:*')],
    auroraDrillCluster: [...rds('cluster:drillbook-drill-*'), ...stagingSubnetGroups, ...rds('pg:*', 'og:*')],
  };

  // Without a canary section there are no canary roles to grant to.
  const runbookRoles = config.canary ? RUNBOOK_ROLES : RUNBOOK_ROLES.filter((r) => !r.startsWith('Canary'));
  const chatRoles = CHAT_ROLES.filter((r) => runbookRoles.includes(r));
  const resources = {};
  if (!params.alarmTopicArn) {
    resources[TOPIC] = { Type: 'AWS::SNS::Topic', Properties: { TopicName: `drillbook-${stage}-alarms` } };
  }
  if (keyArn) {
    resources.DrillbookRunbookKmsPolicy = policy('drillbook-runbook-kms', runbookRoles, {
      Sid: 'RunbookKms',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: [keyArn],
    });
  }
  if (replaySecrets.length > 0) {
    // The restore drill's catch-up reads the same logins (NATS, the live projection's Postgres).
    resources.DrillbookReplaySecretsPolicy = policy(
      'drillbook-replay-secrets',
      ['ReplayRehearsalRole', 'DrillbookRestoreDrillCatchUpRole'],
      {
        Sid: 'ReplayLogins',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: replaySecrets,
      },
    );
  }
  if (webhookSecretId) {
    resources.DrillbookChatWebhookPolicy = policy('drillbook-chat-webhook', chatRoles, {
      Sid: 'ChatWebhookSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [secretResource(webhookSecretId)],
    });
  }
  if (createBucket) Object.assign(resources, runbookBucket(s3.bucket, keyArn));
  resources.DrillbookStateMachineLogGroup = {
    Type: 'AWS::Logs::LogGroup',
    Properties: { LogGroupName: `/aws/vendedlogs/states/drillbook-${stage}`, RetentionInDays: retention },
  };
  for (const machine of STATE_MACHINES) {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      resources[`${machine}${metric}Alarm`] = alarm(`drillbook ${machine}: ${metric}`, topic, {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machine } }],
        Statistic: 'Sum',
      });
    }
  }
  for (const system of awsSystems) {
    const id = system.name.replace(/[^A-Za-z0-9]/g, '');
    // A system whose drill replays its read models (restore.catchUp) also pages on the service RTO.
    const breaches = [
      'RpoBreached',
      'RtoBreached',
      ...(system.restore?.catchUp && system.restore.catchUp.enabled !== false ? ['ServiceRtoBreached'] : []),
    ];
    for (const metric of breaches) {
      resources[`${metric}${id}Alarm`] = alarm(`drillbook ${system.name}: restore drill ${metric}`, topic, {
        Namespace: metricsNamespace,
        MetricName: metric,
        Dimensions: [
          { Name: 'System', Value: system.name },
          { Name: 'Kind', Value: 'restore-drill' },
        ],
        Period: 3600,
      });
    }
  }
  // No heartbeat means no RPO: a failing writer pages like a failed drill.
  resources.HeartbeatErrorsAlarm = alarm('drillbook heartbeat: a source refused its heartbeat', topic, {
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'HeartbeatLambdaFunction' } }],
    Statistic: 'Sum',
  });
  // The canary functions and everything only they use exist only with a `canary` section.
  const canary = canaryStack(config.canary, `${params.drillbookConfig}: canary`, {
    stage,
    iam,
    metricsNamespace,
    alarm,
    topic,
  });
  Object.assign(resources, canary.resources);

  return {
    configJson: backupConfigJson(config, params.drillbookConfig),
    /** The canary functions (serverless.yml merges them into `functions`): none without a canary section. */
    canaryFunctions: canary.functions,
    manifestKey: manifestKeyGrants(config),
    runbook: { bucket: s3.bucket, prefix, kmsKeyId: reporting.kmsKeyId ?? '' },
    metricsNamespace,
    webhookSecretId,
    natsUrl: params.natsUrl ?? '',
    replaySchedules: replaySchedules(config.systems ?? []),
    iam,
    vpc: { subnetIds, securityGroupIds },
    topic,
    stateMachineLogging: {
      level: logLevel,
      includeExecutionData: logLevel === 'ALL',
      destinations: [{ 'Fn::GetAtt': ['DrillbookStateMachineLogGroup', 'Arn'] }],
    },
    logRetentionDays: retention,
    resources: { Resources: resources },
  };
}

/** Every param the stack reads (config/README: "Deploying to AWS"). */
const PARAMS = [
  'drillbookConfig',
  'lambdaSubnetIds',
  'lambdaSecurityGroupIds',
  'natsUrl',
  'runbookKmsKeyArn',
  'alarmTopicArn',
  'stateMachineLogLevel',
  'logRetentionDays',
  'createRunbookBucket',
];

/** The --param key=value pairs given on the command line (serverless passes them as options.param). */
function cliParams(options) {
  const given = [options?.param ?? []].flat();
  const out = {};
  for (const pair of given) {
    const at = String(pair).indexOf('=');
    if (at > 0) out[String(pair).slice(0, at)] = String(pair).slice(at + 1);
  }
  return out;
}

module.exports = async ({ options, resolveVariable }) => {
  const given = cliParams(options);
  const params = {};
  for (const name of PARAMS) if (given[name]) params[name] = given[name];
  if (!params.drillbookConfig) {
    fail(
      '--param drillbookConfig',
      'is required: the path of your drillbook config file (JSON), e.g. --param drillbookConfig=drillbook.aws.json',
    );
  }
  let config;
  try {
    config = JSON.parse(readFileSync(resolve(__dirname, '..', params.drillbookConfig), 'utf8'));
  } catch (error) {
    fail(
      '--param drillbookConfig',
      `(${params.drillbookConfig}) is not a readable JSON file: ${error.message}`,
    );
  }
  const stage = await resolveVariable('sls:stage');
  return stackSettings(config, params, stage);
};
module.exports.stackSettings = stackSettings;
module.exports.StackConfigError = StackConfigError;
