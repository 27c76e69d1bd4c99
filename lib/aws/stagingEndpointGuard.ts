import { lookup } from 'node:dns/promises';
import type { RDSClient } from '@aws-sdk/client-rds';
import { StagingIsSourceError } from '../core/errors.js';
import { type Endpoint, reachesSource } from '../core/stagingEndpoint.js';
import type { StagingHandle } from '../ports.js';
import type { RdsSource } from './awsSystemConfig.js';
import { sourceEndpoint } from './sourceEndpoint.js';

/** How long a name lookup may take; an unanswered one compares by name only. */
const LOOKUP_TIMEOUT_MS = 5000;

async function resolved(host: string): Promise<Endpoint['addresses']> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    const found = lookup(host, { all: true }).then(
      (all) => all.map((a) => a.address),
      () => [],
    );
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Refuses (StagingIsSourceError) when the staging connection reaches the source instance or
 * cluster: the same endpoint (address and port, also through DNS) as the source's writer endpoint.
 * Tags alone cannot tell: a drill-tagged instance whose connection was built wrongly would mask production.
 */
export async function assertStagingIsNotSource(
  client: RDSClient,
  source: RdsSource,
  handle: StagingHandle,
): Promise<void> {
  const url = new URL(handle.connectionString);
  const staging: Endpoint = { host: url.hostname, port: Number(url.port || 5432) };
  const production: Endpoint = await sourceEndpoint(client, source);
  const [stagingAddresses, sourceAddresses] = await Promise.all([
    resolved(staging.host),
    resolved(production.host),
  ]);
  if (
    reachesSource(
      { ...staging, addresses: stagingAddresses ?? [] },
      { ...production, addresses: sourceAddresses ?? [] },
    )
  ) {
    throw new StagingIsSourceError(
      `refusing to write into staging ${handle.id}: its connection ${staging.host}:${staging.port} reaches the source ${source.kind} ${source.id} (${production.host}:${production.port})`,
    );
  }
}
