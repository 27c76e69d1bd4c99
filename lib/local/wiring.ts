import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { SystemConfig } from '../drillbookConfig.js';
import { PgStagingInspector } from '../pg/pgStagingInspector.js';
import { PgSourceDatabase } from '../pg/sourceDatabase.js';
import { LocalBackupRepository } from './localBackupRepository.js';
import { LocalRestoreTarget } from './localRestoreTarget.js';

/** The backup folder of one system on the local target: <backup.local.dir>/<system>. */
export function localBackupDir(system: SystemConfig): string {
  const dir = system.backup.local?.dir;
  if (!dir)
    throw new ConfigError('backup.local.dir', 'is required for the local target (or pass --backup-dir)');
  return join(dir, system.name);
}

export function localBackups(system: SystemConfig): LocalBackupRepository {
  const local = system.backup.local;
  return new LocalBackupRepository(localBackupDir(system), system.name, system.database.sourceUrl, {
    checkpoint: local?.checkpoint ?? 'fast',
    maxRate: local?.maxRate,
  });
}

export function localSource(system: SystemConfig): PgSourceDatabase {
  return new PgSourceDatabase({
    url: system.database.sourceUrl,
    system: system.name,
    heartbeatTable: system.database.heartbeatTable,
    migrationsTable: system.database.migrationsTable,
    tables: system.database.tables,
    databases: system.database.databases,
    // The heartbeat needs no backup folder; the archiving check does.
    ...(system.backup.local ? { archiveDir: join(localBackupDir(system), 'wal') } : {}),
  });
}

/** Where a system's local staging clusters go: systems[].restore.workDir, else <temp>/drillbook-staging. */
export function stagingWorkDir(restore: Pick<SystemConfig['restore'], 'workDir'>): string {
  return restore.workDir ?? join(tmpdir(), 'drillbook-staging');
}

export function localRestoreTarget(system: SystemConfig): LocalRestoreTarget {
  return new LocalRestoreTarget({
    workDir: stagingWorkDir(system.restore),
    archiveDir: join(localBackupDir(system), 'wal'),
    sourceUrl: system.database.sourceUrl,
    recoveryTimeoutMs: system.restore.recoveryTimeoutSeconds * 1000,
  });
}

export function stagingInspector(system: SystemConfig): PgStagingInspector {
  return new PgStagingInspector({
    system: system.name,
    heartbeatTable: system.database.heartbeatTable,
    migrationsTable: system.database.migrationsTable,
    checks: system.restore.checks,
    masking: system.restore.masking,
  });
}
