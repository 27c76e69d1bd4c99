import { InputError } from '../../core/errors.js';
import { catchUpWiring } from '../../jobs/restoreDrill/catchUpWiring.js';
import { runRestoreDrill } from '../../jobs/restoreDrill/runRestoreDrill.js';
import { localManifestKey } from '../../local/manifestKey.js';
import { localBackupDir, localBackups, localRestoreTarget, stagingInspector } from '../../local/wiring.js';
import { dateFlag, parseFlags } from '../args.js';
import { type Command, exitCodeFor } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { resolveSystem, systemFlagSpec } from '../systemFlags.js';
import { executeStateMachine } from './run.js';

export const restoreDrillCommand: Command = {
  name: 'restore-drill',
  summary: 'restore the latest backup (or a point in time) into staging, verify, measure RPO/RTO, tear down',
  help: `usage: drillbook restore-drill [--config FILE] [--system NAME] [--source-url URL] [--backup-dir DIR]
                               [--target-time ISO] [--backup-id ID] [--work-dir DIR] [--no-mask]
                               [--catch-up | --no-catch-up] [--runbook DIR] [--json]

Local target: copies the chosen base backup into a throwaway staging cluster, replays WAL to the
manifest's restore point and verifies row counts, checksums, migration head and version there;
then rolls forward to --target-time (or to the end of the WAL archive), opens the database and runs
amcheck and the custom SQL checks (systems[].restore.checks); masks PII (systems[].restore.masking)
on the staging copy only; tears staging down, also on failure or Ctrl-C; writes the report.
At its start it removes staging that killed drills left behind (the orphaned-staging check; see
"drillbook cleanup").

  --source-url URL    the source database: its credentials log into the restored copy (without a
                      password: database.passwordEnv/passwordFile, PGPASSWORD or ~/.pgpass)
  --backup-dir DIR    backup folder (config: systems[].backup.local.dir)
  --target-time ISO   point-in-time recovery target with a zone (2026-11-23T10:15:00Z or ...+01:00);
                      default: latest
  --backup-id ID      restore this backup instead of the newest suitable one
  --work-dir DIR      where staging clusters are created (config: systems[].restore.workDir; default: temp)
  --no-mask           skip the masking step even when rules are configured
  --catch-up          run the catch-up phase (systems[].restore.catchUp) even when it is not enabled:
                      after verification, each read model replays the stream from its restored
                      checkpoint to the live checkpoint and must digest like the live one; the
                      restored outbox is reconciled with the stream (service RTO = RTO + catch-up)
  --no-catch-up       skip the catch-up phase this time
  --runbook DIR       runbook folder for the report (default: config runbook.dir, else ./runbook)
  --target aws        drill on RDS/Aurora (the config's systems[].aws): runs the deployed restore-drill
                      state machine on this machine, as "drillbook run restore-drill"
  --wait-seconds N    with --target aws: pause N seconds in each Wait state (default: the definition's)
  --json              print the report as JSON

RTO = drill start until the restored database passed verification; RPO = recovery target time minus
the newest heartbeat in the restored database. Exit codes: 0 passed, 1 failed or inconclusive, 2 bad input.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      ...systemFlagSpec,
      'target-time': { type: 'string' },
      'backup-id': { type: 'string' },
      'work-dir': { type: 'string' },
      'no-mask': { type: 'boolean', default: false },
      'wait-seconds': { type: 'string' },
      'catch-up': { type: 'boolean', default: false },
      'no-catch-up': { type: 'boolean', default: false },
    });
    if (values['catch-up'] && values['no-catch-up']) {
      throw new InputError('--catch-up', 'cannot be given with --no-catch-up');
    }
    const targetTime = dateFlag(values['target-time'], 'target-time');
    if (targetTime && targetTime.getTime() > Date.now() + 60_000) {
      throw new InputError('--target-time', 'is in the future');
    }
    if (values.target === 'aws' && (values['catch-up'] || values['no-catch-up'])) {
      throw new InputError(
        values['catch-up'] ? '--catch-up' : '--no-catch-up',
        'with --target aws the catch-up state follows systems[].restore.catchUp.enabled of the deployed config',
      );
    }
    if (values.target === 'aws') {
      // The deployed workflow, run here: point-in-time restore into staging, verify, mask, tear down.
      const input = {
        ...(values.system ? { system: values.system } : {}),
        ...(targetTime ? { targetTime: targetTime.toISOString() } : {}),
        ...(values['backup-id'] ? { backupId: values['backup-id'] } : {}),
        ...(values['no-mask'] ? { mask: false } : {}),
      };
      return executeStateMachine('restore-drill', input, values, ctx);
    }
    if (values.target !== 'local') throw new InputError('--target', 'must be "local" or "aws"');
    const { config, system } = resolveSystem(values, { backupDir: true, warn: ctx.err });
    if (values['work-dir']) system.restore.workDir = values['work-dir'];
    const backups = localBackups(system);
    const wanted = values['backup-id'];
    if (wanted && !(await backups.get(wanted))) {
      const known = (await backups.list()).map((b) => b.id);
      throw new InputError(
        '--backup-id',
        `no backup "${wanted}" in ${localBackupDir(system)} (${known.length > 0 ? `have: ${known.slice(0, 5).join(', ')}` : 'none taken yet'})`,
      );
    }
    if (values['catch-up'] && !system.restore.catchUp) {
      throw new InputError(
        '--catch-up',
        `needs systems[].restore.catchUp for system ${system.name} in the config`,
      );
    }
    const catchUpWanted =
      !values['no-catch-up'] && (values['catch-up'] || (system.restore.catchUp?.enabled ?? false));
    const publishers = cliPublishers(ctx, config, values);
    const { report, location } = await runRestoreDrill(
      {
        backups,
        target: localRestoreTarget(system),
        inspector: stagingInspector(system),
        manifestKey: localManifestKey(config, system),
        publishers,
        progress: ctx.progress,
        signal: ctx.signal,
        ...(catchUpWanted ? { catchUp: catchUpWiring(system, publishers.runbook) } : {}),
      },
      {
        system: system.name,
        environment: system.environment,
        targetTime,
        backupId: values['backup-id'],
        mask: !values['no-mask'] && system.restore.masking.length > 0,
        rpoTargetSeconds: system.objectives.rpoMinutes * 60,
        rtoTargetSeconds: system.objectives.rtoMinutes * 60,
      },
    );
    if (values.json) ctx.out(JSON.stringify(report, null, 2));
    else ctx.err(`report: ${location}`);
    return exitCodeFor(report.outcome);
  },
};
