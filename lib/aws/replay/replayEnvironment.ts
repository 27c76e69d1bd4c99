import { ConfigError } from '../../core/errors.js';
import { envString } from '../../env.js';
import type { ReplayEnvironment } from '../../jobs/replay/replayRequest.js';
import { lambdaPublishers } from '../lambdaPublishers.js';

/**
 * The rehearsal's environment from process variables (the Lambda's configuration):
 *   DRILLBOOK_NATS_URL            NATS server (required)
 *   DRILLBOOK_REPLAY_PG_URL       Postgres with the live projection and outbox (optional)
 *   DRILLBOOK_SYSTEM              system name in reports (default "default")
 *   DRILLBOOK_STAGE               environment name in reports
 *   DRILLBOOK_RUNBOOK_DIR         runbook folder (local runs); otherwise the S3 runbook store from
 *                                 DRILLBOOK_RUNBOOK_BUCKET/_PREFIX, with webhook chat and metrics
 * Read at invocation, not import, so a misconfigured function fails with the variable named.
 */
export function replayEnvironmentFromProcess(env: NodeJS.ProcessEnv = process.env): ReplayEnvironment {
  const natsUrl = envString(env, 'DRILLBOOK_NATS_URL');
  if (!natsUrl) throw new ConfigError('DRILLBOOK_NATS_URL', 'is not set');
  const publish = lambdaPublishers(null, env);
  const pgUrl = envString(env, 'DRILLBOOK_REPLAY_PG_URL');
  return {
    natsUrl,
    ...(pgUrl ? { pgUrl } : {}),
    system: envString(env, 'DRILLBOOK_SYSTEM') ?? 'default',
    environment: envString(env, 'DRILLBOOK_STAGE') ?? 'production',
    publish,
  };
}
