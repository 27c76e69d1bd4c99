// The canary functions' wiring (used by config/stack.serverless.cjs): from the drillbook config's
// `canary` section, the Lambda environment, the EventBridge pattern and least-privilege IAM statements.
/** Checks the canary section enough to build safe ARNs from it (the functions validate it fully). */
function check(config, where) {
  if (!config || !Array.isArray(config.groups) || config.groups.length === 0) {
    throw new Error(`canary config ${where}: groups must list at least one deployment group`);
  }
  config.groups.forEach((g, i) => {
    for (const field of ['application', 'deploymentGroup']) {
      if (typeof g[field] !== 'string' || !/^[A-Za-z0-9_.+-]+$/.test(g[field])) {
        throw new Error(`canary config ${where}: groups.${i}.${field} must be a CodeDeploy name`);
      }
    }
  });
  return config;
}

const sub = (text) => ({ 'Fn::Sub': text });
/** CloudFormation pseudo parameter reference for Fn::Sub, e.g. pseudo('Region') -> "${AWS::Region}". */
const pseudo = (name) => ['$', '{AWS::', name, '}'].join('');

module.exports = (canary, where = 'canary') => {
  const config = check(canary, where);
  const groupArns = config.groups.map((g) =>
    sub(
      `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:${g.application}/${g.deploymentGroup}`,
    ),
  );
  const byTag = config.groups.some((g) => Object.keys(g.alarms?.tags ?? {}).length > 0);
  const alarmNames = [];
  for (const g of config.groups) {
    for (const name of g.alarms?.names ?? []) alarmNames.push(name);
    for (const prefix of g.alarms?.prefixes ?? []) alarmNames.push({ prefix });
  }
  const detail = { state: { value: ['ALARM', 'OK', 'INSUFFICIENT_DATA'] } };
  // Tag-matched guardrails cannot be filtered by EventBridge: the function reads the alarm's tags.
  if (!byTag) detail.alarmName = alarmNames;
  const haltStatements = [
    {
      Effect: 'Allow',
      Action: ['codedeploy:ListDeployments', 'codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
      Resource: groupArns,
    },
  ];
  if (byTag) {
    haltStatements.push({
      Effect: 'Allow',
      Action: ['cloudwatch:ListTagsForResource'],
      Resource: [
        sub(`arn:${pseudo('Partition')}:cloudwatch:${pseudo('Region')}:${pseudo('AccountId')}:alarm:*`),
      ],
    });
  }
  const hookStatements = [
    {
      Effect: 'Allow',
      Action: ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'],
      Resource: groupArns,
    },
    // GetMetricData supports no resource-level permissions: "*" is the only valid resource.
    { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' },
  ];
  // Test invokes of the new version: only the functions the probes name (any version or alias).
  const invoked = [
    ...new Set(
      config.groups.flatMap((g) =>
        (g.hooks?.probes ?? []).filter((p) => p.invoke).map((p) => p.invoke.functionName),
      ),
    ),
  ];
  if (invoked.length > 0) {
    hookStatements.push({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: invoked.map((fn) =>
        sub(`arn:${pseudo('Partition')}:lambda:${pseudo('Region')}:${pseudo('AccountId')}:function:${fn}:*`),
      ),
    });
  }
  return {
    configJson: JSON.stringify(config),
    eventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail },
    haltStatements,
    hookStatements,
  };
};

/**
 * The canary part of the stack, present only when the drillbook config has a `canary` section:
 * the three functions (the halt on EventBridge, the two CodeDeploy hooks), one least-privilege role
 * each, the halt's dead-letter queue and its alarms. Without the section: nothing (no function,
 * rule, role, queue or alarm), so a stack without CodeDeploy deploys backups and drills alone.
 * `ctx`: { stage, iam: {bucketArn, listPrefix, reportObjects, canaryHaltWrites, canaryHaltClaims, canaryVerdictWrites}, metricsNamespace, alarm, topic }.
 */
function canaryStack(canary, where, ctx) {
  if (canary === undefined) return { functions: {}, resources: {} };
  const settings = module.exports(canary, where);
  const { stage, iam, metricsNamespace, alarm, topic } = ctx;
  const logGroup = (name) =>
    sub(
      `arn:${pseudo('Partition')}:logs:${pseudo('Region')}:${pseudo('AccountId')}:log-group:/aws/lambda/${name}:*`,
    );
  const policy = (name, statements) => ({
    PolicyName: name,
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  });
  // Each role writes only its own report kind; the halt also claims, reads and releases halt records.
  const runbook = (writes, claims = []) =>
    policy('runbook', [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: iam.bucketArn,
        Condition: { StringLike: { 's3:prefix': iam.listPrefix } },
      },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: iam.reportObjects },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: writes },
      ...(claims.length > 0
        ? [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], Resource: claims }]
        : []),
      // PutMetricData has no resource-level permissions; the namespace condition scopes it.
      {
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricData'],
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': metricsNamespace } },
      },
    ]);
  const role = (logs, policies, store) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        policy('logs', [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [logGroup(logs)],
          },
        ]),
        ...policies,
        store,
      ],
    },
  });
  const environment = { DRILLBOOK_CANARY_CONFIG: settings.configJson };
  // CodeDeploy's managed Lambda role may only invoke functions named CodeDeployHook_*.
  const hook = (name, description, roleName) => ({
    handler: `functions/${name}.handler`,
    name: `CodeDeployHook_drillbook-${stage}-${name}`,
    description,
    role: roleName,
    timeout: 120,
    memorySize: 256,
    maximumRetryAttempts: 1,
    environment,
  });
  const hookRole = role(
    `CodeDeployHook_drillbook-${stage}-canary*`,
    [policy('codedeploy-hooks-and-slis', settings.hookStatements)],
    runbook(iam.canaryVerdictWrites),
  );
  const deadLetterArn = { 'Fn::GetAtt': ['CanaryHaltDeadLetterQueue', 'Arn'] };
  const halt = [{ Name: 'FunctionName', Value: { Ref: 'CanaryHaltLambdaFunction' } }];
  return {
    functions: {
      canaryHalt: {
        handler: 'functions/canaryHalt.handler',
        description: 'Stops in-flight CodeDeploy canaries (with rollback) when a guardrail alarm fires',
        role: 'CanaryHaltRole',
        timeout: 120,
        memorySize: 256,
        maximumRetryAttempts: 2,
        maximumEventAge: 3600,
        // A halt that failed all its retries lands in a queue (and pages: CanaryHaltDeadLetterAlarm).
        destinations: { onFailure: { type: 'sqs', arn: deadLetterArn } },
        environment,
        events: [
          {
            eventBridge: {
              pattern: settings.eventPattern,
              retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 5 },
            },
          },
        ],
      },
      canaryBeforeAllowTraffic: hook(
        'canaryBeforeAllowTraffic',
        'CodeDeploy BeforeAllowTraffic hook - smoke probes against the new version',
        'CanaryBeforeAllowTrafficRole',
      ),
      canaryAfterAllowTraffic: hook(
        'canaryAfterAllowTraffic',
        'CodeDeploy AfterAllowTraffic hook - judges canary vs baseline SLIs',
        'CanaryAfterAllowTrafficRole',
      ),
    },
    resources: {
      CanaryHaltRole: role(
        `drillbook-${stage}-canaryHalt`,
        [
          policy('codedeploy-guarded-groups', settings.haltStatements),
          policy('canary-halt-dead-letter', [
            { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: deadLetterArn },
          ]),
        ],
        runbook(iam.canaryHaltWrites, iam.canaryHaltClaims),
      ),
      CanaryBeforeAllowTrafficRole: hookRole,
      CanaryAfterAllowTrafficRole: hookRole,
      CanaryHaltDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `drillbook-${stage}-canary-halt-failed`,
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        },
      },
      CanaryHaltErrorsAlarm: alarm('drillbook canary halt: the function failed', topic, {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: halt,
        Statistic: 'Sum',
      }),
      CanaryHaltAsyncEventsDroppedAlarm: alarm('drillbook canary halt: async events dropped', topic, {
        Namespace: 'AWS/Lambda',
        MetricName: 'AsyncEventsDropped',
        Dimensions: halt,
        Statistic: 'Sum',
      }),
      CanaryHaltDeadLetterAlarm: alarm(
        'drillbook canary halt: a halt failed all its retries (see the queue)',
        topic,
        {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [
            { Name: 'QueueName', Value: { 'Fn::GetAtt': ['CanaryHaltDeadLetterQueue', 'QueueName'] } },
          ],
        },
      ),
    },
  };
}
module.exports.stack = canaryStack;
