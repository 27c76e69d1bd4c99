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
