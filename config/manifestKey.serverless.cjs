// The secrets named in the config's systems[].backup.manifestKey, so the
// functions that seal or check manifests (backupFinish, restoreDrillStart, restoreDrillVerify) may
// read exactly those (GetSecretValue) and nothing else. No key configured: no policy at all.
/** The IAM resource of a secret named by id (Secrets Manager appends "-" and 6 characters) or ARN. */
function secretResource(secretId, region) {
  if (secretId.startsWith('arn:')) return secretId;
  const where = region ?? ['$', '{AWS::Region}'].join('');
  return {
    'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${where}:\${AWS::AccountId}:secret:${secretId}-??????`,
  };
}

/** Pure: from the parsed config to the values serverless.yml uses. */
function manifestKeyGrants(config) {
  const resources = [];
  for (const system of config.systems ?? []) {
    const secretId = system.backup?.manifestKey?.secretId;
    if (typeof secretId === 'string' && secretId.length > 0) {
      resources.push(secretResource(secretId, system.aws?.region));
    }
  }
  return {
    configured: resources.length > 0 ? 'true' : 'false',
    // Never an empty list (the policy is not created then, but the template must still be valid).
    resources: resources.length > 0 ? resources : ['arn:aws:secretsmanager:none:000000000000:secret:none'],
  };
}

module.exports = { manifestKeyGrants, secretResource };
