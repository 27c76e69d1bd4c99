import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

/** The ARN a local run gives the Lambda function with this CloudFormation logical id. */
export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`;
}

/**
 * Loads an ASL file from state-machines/ for a local run. The files reference functions the way
 * serverless.yml needs them (`{"Fn::GetAtt": [LogicalId, "Arn"]}`); here each such reference
 * becomes a fixed local ARN, so asl-validator and aws-local-stepfunctions run the same file.
 */
export function loadAslDefinition(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `not a readable JSON state machine: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return resolveIntrinsics(parsed) as Record<string, unknown>;
}

function resolveIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const getAtt = record['Fn::GetAtt'];
  if (Object.keys(record).length === 1 && Array.isArray(getAtt)) {
    const [logicalId, attribute] = getAtt as unknown[];
    if (typeof logicalId === 'string' && attribute === 'Arn') return localFunctionArn(logicalId);
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolveIntrinsics(v)]));
}
