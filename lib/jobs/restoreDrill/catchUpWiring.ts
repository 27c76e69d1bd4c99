import { ConfigError } from '../../core/errors.js';
import type { SystemConfig } from '../../drillbookConfig.js';
import type { NatsAuth, NatsTls } from '../../nats/auth.js';
import { NatsWindowReader } from '../../nats/windowReader.js';
import { PgLiveProjection } from '../../pg/liveProjection.js';
import { PgUnpublishedOutbox } from '../../pg/outbox.js';
import type { RunbookStore, StagingHandle } from '../../ports.js';
import { findProjection } from '../../projections/index.js';
import type { CatchUpDeps } from './runCatchUp.js';

/** The catch-up's sources for a restored staging database (built from systems[].restore.catchUp). */
export type CatchUpWiring = (
  staging: StagingHandle,
) => Omit<CatchUpDeps, 'progress' | 'signal'> | Promise<Omit<CatchUpDeps, 'progress' | 'signal'>>;

/** What differs between targets: logins resolved at run time (AWS: Secrets Manager). */
export interface CatchUpLogins {
  natsAuth?: NatsAuth | undefined;
  natsTls?: NatsTls | undefined;
  /** The live database when the config names none (AWS: systems[].replay's secret). */
  liveUrl?: string | undefined;
  /** The restored database's URL with its login (AWS: the handle carries no password). */
  stagingUrl?: (staging: StagingHandle) => Promise<string>;
}

/**
 * The catch-up phase's sources from systems[].restore.catchUp: each projection's table in the
 * restored staging database and in the live database (database.sourceUrl unless liveUrl says
 * otherwise), the NATS server (natsUrl, else systems[].nats.url) and the restored outbox.
 * Undefined when the system configures no catch-up.
 */
export function catchUpWiring(
  system: SystemConfig,
  runbook: RunbookStore,
  logins: CatchUpLogins = {},
  field = 'restore.catchUp',
): CatchUpWiring | undefined {
  const config = system.restore.catchUp;
  if (!config) return undefined;
  const natsUrl = config.natsUrl ?? system.nats?.url;
  if (!natsUrl) throw new ConfigError(`${field}.natsUrl`, 'is required (or systems[].nats.url)');
  const liveUrl = config.liveUrl ?? logins.liveUrl ?? system.database.sourceUrl;
  const tls = logins.natsTls ?? system.nats?.tls;
  const projections = config.projections.map((p, i) => ({
    ...p,
    plugin: findProjection(p.projection, `${field}.projections.${i}.projection`),
  }));
  return async (staging) => {
    const stagingUrl = logins.stagingUrl ? await logins.stagingUrl(staging) : staging.connectionString;
    return {
      system: system.name,
      environment: system.environment,
      runbook,
      targets: projections.map((p) => {
        const tables = {
          ...(p.table ? { table: p.table } : {}),
          ...(p.checkpointTable ? { checkpointTable: p.checkpointTable } : {}),
        };
        return {
          stream: p.stream,
          projection: p.plugin,
          restored: new PgLiveProjection(stagingUrl, p.plugin, {
            ...tables,
            role: 'the restored projection',
            urlField: 'the restored staging database',
          }),
          live: new PgLiveProjection(liveUrl, p.plugin, {
            ...tables,
            urlField: `${field}.liveUrl (or database.sourceUrl)`,
          }),
        };
      }),
      reader: () =>
        new NatsWindowReader(natsUrl, {
          connectTimeoutMs: config.connectTimeoutSeconds * 1000,
          ...(logins.natsAuth ? { auth: logins.natsAuth } : {}),
          ...(tls ? { tls } : {}),
        }),
      ...(config.outbox
        ? {
            outbox: {
              source: new PgUnpublishedOutbox(stagingUrl, config.outbox),
              stream: config.outbox.stream,
              bound: config.outbox.bound,
              live: new PgUnpublishedOutbox(liveUrl, config.outbox),
            },
          }
        : {}),
    };
  };
}
