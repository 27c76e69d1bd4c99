import { readFileSync } from 'node:fs';
import { withLocalFunctionArns } from '../core/aslFunctionArns.js';
import { ConfigError } from '../core/errors.js';

/**
 * Loads an ASL file from state-machines/ for a local run. The files reference functions the way
 * serverless.yml needs them (`{"Fn::GetAtt": [LogicalId, "Arn"]}`); here each such reference
 * becomes a fixed local ARN (lib/aws/aslFunctionArns.ts), so asl-validator and aws-local-stepfunctions run the same file.
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
  return withLocalFunctionArns(parsed) as Record<string, unknown>;
}
