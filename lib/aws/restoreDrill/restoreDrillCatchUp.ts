import { catchUpStaging } from '../../jobs/restoreDrill/catchUpStaging.js';
import {
  type CatchUpLogins,
  type CatchUpWiring,
  catchUpWiring,
} from '../../jobs/restoreDrill/catchUpWiring.js';
import type { DrillState } from '../../jobs/restoreDrill/drillState.js';
import { maskStaging } from '../../jobs/restoreDrill/maskStaging.js';
import type { RunbookStore } from '../../ports.js';
import { stagingWithLogin } from '../awsStagingInspector.js';
import { logProgress } from '../handler.js';
import { natsLoginOf, replayPgUrl } from '../replay/replayRuntime.js';
import { type AwsRuntime, awsRuntime } from '../runtime.js';
import { SecretsManagerReader } from '../secretsManagerReader.js';
import { type AwsDrillState, type DrillStateIn, drillDeps, withDrillKey } from './restoreDrillShared.js';

/** The RestoreDrillCatchUp state: the read models caught up from the stream on the restored copy, then masking. */
export async function restoreDrillCatchUp(state: DrillStateIn): Promise<AwsDrillState> {
  const rt = awsRuntime(state.options.system, logProgress);
  const d = drillDeps(rt, state.drillKey);
  const catchUp = await awsCatchUpWiring(rt, d.publishers.runbook);
  let next: DrillState = await catchUpStaging({ ...d, catchUp }, state);
  next = await maskStaging(d, next);
  return withDrillKey({ ...next, catchUpPending: false }, state.drillKey);
}

/**
 * The catch-up phase's sources on AWS: the same wiring as locally, with the logins read at run
 * time: the restored instance's login is the source's credential (a restore keeps the master
 * user), the live projection's Postgres is restore.catchUp.liveUrl or systems[].replay's secret,
 * the NATS login systems[].nats.credentialsSecretId. Undefined when no catch-up is configured.
 */
export async function awsCatchUpWiring(
  rt: AwsRuntime,
  runbook: RunbookStore,
): Promise<CatchUpWiring | undefined> {
  const system = rt.system;
  if (!system.restore.catchUp) return undefined;
  const index = rt.config.systems.indexOf(system);
  const secrets = new SecretsManagerReader({ client: rt.secrets });
  const nats = system.nats;
  const logins: CatchUpLogins = {
    natsAuth: await natsLoginOf(system, index, secrets),
    ...(nats && (nats.tls || nats.url.startsWith('tls://')) ? { natsTls: nats.tls ?? {} } : {}),
    liveUrl: system.restore.catchUp.liveUrl ? undefined : await replayPgUrl(system, index, secrets),
    stagingUrl: async (staging) =>
      (await stagingWithLogin(rt.secrets, rt.aws.sourceSecretId, staging)).connectionString,
  };
  return catchUpWiring(system, runbook, logins, `systems.${index}.restore.catchUp`);
}
