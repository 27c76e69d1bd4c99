import type { CatchUpWiring } from '../jobs/restoreDrill/catchUpWiring.js';
import { type CatchUpLogins, catchUpWiring } from '../jobs/restoreDrill/catchUpWiring.js';
import type { RunbookStore } from '../ports.js';
import { stagingWithLogin } from './awsStagingInspector.js';
import { natsLoginOf, replayPgUrl } from './replayRuntime.js';
import type { AwsRuntime } from './runtime.js';
import { SecretsManagerReader } from './secretsManagerReader.js';

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
