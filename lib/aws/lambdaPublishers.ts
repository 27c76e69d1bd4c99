import { ConfigError } from '../core/errors.js';
import type { DrillbookConfig } from '../drillbookConfig.js';
import { type Env, envString } from '../env.js';
import type { Publishers } from '../jobs/publish.js';
import { buildAwsPublishers } from './awsPublishers.js';

/** Publishers that write to a runbook folder: bound by the local-run composition (bin/localRuns.ts). */
export type RunbookFolderPublishers = (dir: string, config: DrillbookConfig | null, env: Env) => Publishers;

let runbookFolder: RunbookFolderPublishers | undefined;

/**
 * Local runs of the deployed handlers (`drillbook run`, the tests) set $DRILLBOOK_RUNBOOK_DIR and
 * bind the folder store here, so that no AWS bundle carries the local target.
 */
export function bindRunbookFolder(publishers: RunbookFolderPublishers): void {
  runbookFolder = publishers;
}

/**
 * The publishers of a Lambda handler: the AWS ones (S3 runbook, webhook chat, CloudWatch metrics),
 * or a runbook folder when $DRILLBOOK_RUNBOOK_DIR is set (local runs of the state machines).
 */
export function lambdaPublishers(config: DrillbookConfig | null, env: Env = process.env): Publishers {
  const dir = envString(env, 'DRILLBOOK_RUNBOOK_DIR');
  if (!dir) return buildAwsPublishers({ config, env });
  if (!runbookFolder) {
    throw new ConfigError('DRILLBOOK_RUNBOOK_DIR', 'is for local runs (drillbook run); unset it on AWS');
  }
  return runbookFolder(dir, config, env);
}
