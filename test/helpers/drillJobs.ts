import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/core/wait.js';
import { runBackup } from '../../lib/jobs/backup/runBackup.js';
import type { CatchUpWiring } from '../../lib/jobs/restoreDrill/catchUpWiring.js';
import { runRestoreDrill } from '../../lib/jobs/restoreDrill/runRestoreDrill.js';
import { localBackups, localRestoreTarget, localSource, stagingInspector } from '../../lib/local/wiring.js';
import type { SourceDatabase } from '../../lib/ports.js';
import type { DrillFixture } from './drillFixture.js';

/** The backup job of the fixture's `shop` system on the local adapters (or another source). */
export async function backup(
  f: DrillFixture,
  backupId: string,
  source: SourceDatabase = localSource(f.system),
) {
  return runBackup(
    {
      backups: localBackups(f.system),
      source,
      publishers: f.publishers,
      progress: f.progress,
      signal: new AbortController().signal,
    },
    {
      system: 'shop',
      environment: 'production',
      backupId,
      retention: f.system.backup.retention,
      rpoTargetSeconds: 900,
    },
  );
}

/** A restore drill of the fixture's `shop` system on the local adapters. */
export async function drill(
  f: DrillFixture,
  options: { targetTime?: Date; signal?: AbortSignal; mask?: boolean; catchUp?: CatchUpWiring } = {},
) {
  return runRestoreDrill(
    {
      backups: localBackups(f.system),
      target: localRestoreTarget(f.system),
      inspector: stagingInspector(f.system),
      publishers: f.publishers,
      progress: f.progress,
      signal: options.signal ?? new AbortController().signal,
      ...(options.catchUp ? { catchUp: options.catchUp } : {}),
    },
    {
      system: 'shop',
      environment: 'production',
      targetTime: options.targetTime,
      mask: options.mask ?? f.system.restore.masking.length > 0,
      rpoTargetSeconds: 900,
      rtoTargetSeconds: 14_400,
    },
  );
}

/**
 * Closes the current WAL segment and waits until it is in the archive, so that everything
 * committed so far is there; a segment that does not arrive fails the test, naming it (a loaded
 * machine may take a while: the limit is generous, the wait ends as soon as the file is there).
 */
export async function archiveNow(f: DrillFixture, timeoutMs = 60_000) {
  const [row] = await f.sql<{ name: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS name');
  const segment = join(f.pg.archiveDir, row!.name);
  await waitFor(
    `WAL segment ${row!.name} to reach the archive ${f.pg.archiveDir}`,
    async () => (existsSync(segment) ? true : undefined),
    {
      timeoutMs,
      intervalMs: 20,
      maxIntervalMs: 200,
    },
  );
}
