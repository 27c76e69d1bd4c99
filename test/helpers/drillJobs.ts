import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runBackup } from '../../lib/jobs/backup.js';
import { runRestoreDrill } from '../../lib/jobs/restoreDrill.js';
import type { CatchUpWiring } from '../../lib/jobs/restoreDrillSteps.js';
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

/** Closes the current WAL segment so that everything committed so far is in the archive. */
export async function archiveNow(f: DrillFixture) {
  const [row] = await f.sql<{ name: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS name');
  const name = row!.name;
  const archive = f.pg.archiveDir;
  for (let i = 0; i < 100 && !existsSync(join(archive, name)); i++)
    await new Promise((r) => setTimeout(r, 100));
}
