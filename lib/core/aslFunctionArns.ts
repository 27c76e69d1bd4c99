/**
 * The one resolver of state-machine function references for local runs. The ASL files reference
 * functions the way serverless.yml needs them (`{"Fn::GetAtt": [functionName, "Arn"]}`); a local
 * run (aws-local-stepfunctions, asl-validator) needs ARNs, so each becomes a fixed local ARN in a
 * fake account. The function name, not the ARN, picks the in-process handler.
 */
export const localAccount = '123456789012';
export const localRegion = 'us-east-1';

/** The ARN a local run gives the Lambda function with this name (CloudFormation logical id). */
export function localFunctionArn(functionName: string): string {
  return `arn:aws:lambda:${localRegion}:${localAccount}:function:drillbook-local-${functionName}`;
}

/** The value with every `{"Fn::GetAtt": [name, "Arn"]}` in it replaced by the local ARN. */
export function withLocalFunctionArns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withLocalFunctionArns);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const getAtt = record['Fn::GetAtt'];
  if (Object.keys(record).length === 1 && Array.isArray(getAtt)) {
    const [logicalId, attribute] = getAtt as unknown[];
    if (typeof logicalId === 'string' && attribute === 'Arn') return localFunctionArn(logicalId);
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withLocalFunctionArns(v)]));
}
