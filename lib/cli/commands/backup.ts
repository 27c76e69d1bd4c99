import { backupInputSchema } from '../../aws/events/stepFunctions.js';
import { InputError } from '../../core/errors.js';
import { slug } from '../../core/report.js';
import { parseWith } from '../../drillbookConfig.js';
import { runBackup } from '../../jobs/backup/runBackup.js';
import { localManifestKey } from '../../local/manifestKey.js';
import { localBackups, localSource } from '../../local/wiring.js';
import { parseFlags } from '../args.js';
import { type Command, exitCodeFor } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { resolveSystem, systemFlagSpec } from '../systemFlags.js';
import { executeStateMachine } from './run.js';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'take a verified base backup with its manifest, check PITR health, prune by retention',
  help: `usage: drillbook backup [--config FILE] [--system NAME] [--source-url URL] [--backup-dir DIR]
                        [--backup-id ID] [--runbook DIR] [--json]

Local target: pg_basebackup of the source into <backup-dir>/<system>/base/<id>, a verification
manifest (per-table row counts and checksums, migration head, Postgres version) captured at a named
restore point, pg_verifybackup and WAL-archive continuity checks, PITR health (age of the newest
archived WAL vs the RPO target) and retention pruning (backup.retention in the config).
The source must archive WAL into <backup-dir>/<system>/wal (archive_command); the wal-archiving
check says so when it does not.

  --source-url URL       the source database (postgres://user[:password]@host:port/db; without a
                         password: database.passwordEnv/passwordFile, PGPASSWORD or ~/.pgpass)
  --backup-dir DIR       backup folder (config: systems[].backup.local.dir)
  --migrations-table T   the migrations table whose newest row is the migration head
  --backup-id ID         deterministic id; an existing backup with this id is reused (default: a timestamp)
  --runbook DIR          runbook folder for the report (default: config runbook.dir, else ./runbook)
  --target aws           back up the config's RDS instance/Aurora cluster (systems[].aws): runs the
                         deployed backup state machine on this machine, as "drillbook run backup"
  --wait-seconds N       with --target aws: pause N seconds in each Wait state (default: the definition's)
  --json                 print the report as JSON

Exit codes: 0 passed, 1 failed, 2 bad input.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      ...systemFlagSpec,
      'backup-id': { type: 'string' },
      'wait-seconds': { type: 'string' },
    });
    if (values.target === 'aws') {
      // The deployed workflow, run here: RDS snapshot, wait, offsite copy, prune, PITR health, manifest.
      const backupId = parseWith(backupInputSchema.shape.backupId, values['backup-id'], '--backup-id');
      const input = {
        ...(values.system ? { system: values.system } : {}),
        ...(backupId ? { backupId } : {}),
      };
      return executeStateMachine('backup', input, values, ctx);
    }
    if (values.target !== 'local') throw new InputError('--target', 'must be "local" or "aws"');
    const { config, system } = resolveSystem(values, { backupDir: true, warn: ctx.err });
    const backupId =
      values['backup-id'] ??
      `${system.name}-${new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z')}`;
    if (slug(backupId) !== backupId.toLowerCase()) {
      throw new InputError('--backup-id', 'may contain only letters, digits and dashes');
    }
    const { report, location } = await runBackup(
      {
        backups: localBackups(system),
        source: localSource(system),
        manifestKey: localManifestKey(config, system),
        publishers: cliPublishers(ctx, config, values),
        progress: ctx.progress,
        signal: ctx.signal,
      },
      {
        system: system.name,
        environment: system.environment,
        backupId,
        retention: system.backup.retention,
        rpoTargetSeconds: system.objectives.rpoMinutes * 60,
      },
    );
    if (values.json) ctx.out(JSON.stringify(report, null, 2));
    else ctx.err(`report: ${location}`);
    return exitCodeFor(report.outcome);
  },
};
