import type { SystemConfig } from '../config.js';
import { ConfigError } from '../core/errors.js';
import type { CatchUpWiring } from '../jobs/restoreDrillSteps.js';
import { NatsWindowReader } from '../nats/windowReader.js';
import { PgLiveProjection } from '../pg/liveProjection.js';
import { PgUnpublishedOutbox } from '../pg/outbox.js';
import type { RunbookStore } from '../ports.js';
import { findProjection } from '../projections/index.js';

/**
 * The catch-up phase's sources from systems[].restore.catchUp: each projection's table in the
 * restored staging database and in the live database (database.sourceUrl unless liveUrl says
 * otherwise), the NATS server (natsUrl, else systems[].nats.url) and the restored outbox.
 * Undefined when the system configures no catch-up.
 */
export function catchUpWiring(
  system: SystemConfig,
  runbook: RunbookStore,
  field = 'restore.catchUp',
): CatchUpWiring | undefined {
  const config = system.restore.catchUp;
  if (!config) return undefined;
  const natsUrl = config.natsUrl ?? system.nats?.url;
  if (!natsUrl) throw new ConfigError(`${field}.natsUrl`, 'is required (or systems[].nats.url)');
  const liveUrl = config.liveUrl ?? system.database.sourceUrl;
  const projections = config.projections.map((p, i) => ({
    ...p,
    plugin: findProjection(p.projection, `${field}.projections.${i}.projection`),
  }));
  return (staging) => ({
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
        restored: new PgLiveProjection(staging.connectionString, p.plugin, tables),
        live: new PgLiveProjection(liveUrl, p.plugin, tables),
      };
    }),
    reader: () =>
      new NatsWindowReader(natsUrl, {
        connectTimeoutMs: config.connectTimeoutSeconds * 1000,
        ...(system.nats?.tls ? { tls: system.nats.tls } : {}),
      }),
    ...(config.outbox
      ? {
          outbox: {
            source: new PgUnpublishedOutbox(staging.connectionString, config.outbox),
            stream: config.outbox.stream,
            bound: config.outbox.bound,
          },
        }
      : {}),
  });
}
