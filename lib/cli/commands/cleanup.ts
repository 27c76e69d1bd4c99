import { RDSClient } from '@aws-sdk/client-rds';
import { rdsSource } from '../../aws/awsSystemConfig.js';
import { createClient } from '../../aws/clients.js';
import { sweepRdsStaging } from '../../aws/rdsOrphanSweep.js';
import { ConfigError, InputError } from '../../core/errors.js';
import { type OrphanSweep, sweepLines } from '../../core/orphans.js';
import { findSystem, restoreSchema } from '../../drillbookConfig.js';
import { localStagingSweeper } from '../../local/localRestoreTarget.js';
import { stagingWorkDir } from '../../local/wiring.js';
import { parseFlags } from '../args.js';
import { type Command, exitCodes } from '../context.js';
import { optionalConfig } from '../runbookFlag.js';

export const cleanupCommand: Command = {
  name: 'cleanup',
  summary:
    'find staging that killed drills left behind, stop and remove it (only what carries the drill marker)',
  help: `usage: drillbook cleanup [--config FILE] [--system NAME] [--work-dir DIR] [--target aws] [--dry-run] [--json]

Local target: looks at each folder in the staging work folder that carries the drill marker
(drillbook-staging.json). A folder whose drill is gone (killed, forced exit, reboot) is an orphan:
its server is stopped (pg_ctl stop -m immediate, when its postmaster.pid names a live server of
that folder) and the folder removed. A folder whose drill still runs on this machine is left alone;
so is one whose owner cannot be asked (a marker from an older drillbook, or from another host)
until it is older than the longest a drill may take (the 6 h copy limit, twice
systems[].restore.recoveryTimeoutSeconds, and 2 h for the rest). Folders without the marker and
symbolic links are never touched. Every restore drill does the same sweep at its start.

  --work-dir DIR      the staging work folder (config: systems[].restore.workDir; default: temp)
  --target aws        sweep RDS/Aurora (the config's systems[].aws): drill-tagged staging of the system
                      older than waits.restoreTimeoutMinutes + 2 h, deleted with teardown's tag guard
  --stage STAGE       with --target aws: the deployed stage whose drills to sweep (default
                      $DRILLBOOK_STAGE; without one, only staging that carries no stage tag)
  --dry-run           only list what would be removed
  --json              print the sweep as JSON

Exit codes: 0 nothing failed, 1 an orphan could not be removed, 2 bad input.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      'work-dir': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      stage: { type: 'string' },
    });
    const stage = values.stage ?? process.env['DRILLBOOK_STAGE'];
    if (stage !== undefined && !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(stage)) {
      throw new InputError('--stage', 'must be the deployed stage: lowercase letters, digits and hyphens');
    }
    const dryRun = values['dry-run'];
    const config = optionalConfig(values.config);
    let sweep: OrphanSweep;
    if (values.target === 'aws') {
      if (!config) throw new InputError('--config', 'is required with --target aws (its systems[].aws)');
      const system = findSystem(config, values.system);
      if (!system.aws) throw new ConfigError(`systems.${system.name}.aws`, 'is required for the AWS target');
      const { region, waits } = system.aws;
      sweep = await sweepRdsStaging(
        {
          client: createClient(RDSClient, { region }),
          region,
          system: system.name,
          source: rdsSource(system.aws),
          restoreTimeoutMs: waits.restoreTimeoutMinutes * 60_000,
          stage,
        },
        ctx.progress,
        dryRun,
      );
    } else if (values.target === 'local') {
      const restore = config ? findSystem(config, values.system).restore : restoreSchema.parse(undefined);
      const workDir = values['work-dir'] ?? stagingWorkDir(restore);
      sweep = await localStagingSweeper(workDir, restore.recoveryTimeoutSeconds * 1000).sweepOrphans(
        ctx.progress,
        { dryRun },
      );
    } else {
      throw new InputError('--target', 'must be "local" or "aws"');
    }
    if (values.json) ctx.out(JSON.stringify(sweep, null, 2));
    else for (const line of sweepLines(sweep)) ctx.out(line);
    return sweep.failed.length > 0 ? exitCodes.failed : exitCodes.passed;
  },
};
