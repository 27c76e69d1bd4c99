import { InputError } from '../core/errors.js';
import { type DrillbookConfig, findSystem, parseConfig, type SystemConfig } from '../drillbookConfig.js';
import { processCredentialEnvironment, resolveSourceCredentials } from '../pg/credentials.js';
import { optionalConfig } from './runbookFlag.js';

/** Flags that describe a system on the command line, for use without a config file. */
export const systemFlagSpec = {
  'source-url': { type: 'string' },
  'backup-dir': { type: 'string' },
  'migrations-table': { type: 'string' },
  runbook: { type: 'string' },
} as const;

export interface SystemFlags {
  config?: string | undefined;
  system?: string | undefined;
  'source-url'?: string | undefined;
  'backup-dir'?: string | undefined;
  'migrations-table'?: string | undefined;
}

/**
 * The system to work on: from --config (and --system), with flags overriding; or built from flags
 * alone. Validated by the same schema either way, with errors naming the flag where one applies.
 */
export function resolveSystem(
  flags: SystemFlags,
  needs: { backupDir?: boolean; warn?: (message: string) => void } = {},
): { config: DrillbookConfig; system: SystemConfig } {
  const resolved = systemFrom(flags);
  if (needs.backupDir && !resolved.system.backup.local?.dir) {
    throw new InputError(
      '--backup-dir',
      'is required for the local target (or set systems[].backup.local.dir in the config)',
    );
  }
  // Once, here: every login (pg_basebackup, manifest, heartbeat, staging, masking) uses this URL.
  const { database } = resolved.system;
  const warn = needs.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  database.sourceUrl = resolveSourceCredentials(
    database.sourceUrl,
    database,
    processCredentialEnvironment(warn),
  ).url;
  return resolved;
}

function systemFrom(flags: SystemFlags): { config: DrillbookConfig; system: SystemConfig } {
  const fromFile = optionalConfig(flags.config);
  if (fromFile) {
    const system = findSystem(fromFile, flags.system);
    if (flags['source-url']) system.database.sourceUrl = checkedUrl(flags['source-url']);
    if (flags['backup-dir'])
      system.backup.local = { checkpoint: 'fast', ...system.backup.local, dir: flags['backup-dir'] };
    if (flags['migrations-table']) system.database.migrationsTable = flags['migrations-table'];
    return { config: fromFile, system };
  }
  if (!flags['source-url']) throw new InputError('--source-url', 'is required (or give --config FILE)');
  const raw = {
    systems: [
      {
        name: flags.system ?? 'local',
        database: {
          sourceUrl: checkedUrl(flags['source-url']),
          ...(flags['migrations-table'] ? { migrationsTable: flags['migrations-table'] } : {}),
        },
        ...(flags['backup-dir'] ? { backup: { local: { dir: flags['backup-dir'] } } } : {}),
      },
    ],
  };
  const config = parseConfig(raw);
  return { config, system: config.systems[0]! };
}

function checkedUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new InputError('--source-url', 'must be a postgres:// connection URL');
  return url;
}
