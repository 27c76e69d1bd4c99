import { preflightClients, runPreflight } from '../../aws/preflight.js';
import { ConfigError, InputError } from '../../core/errors.js';
import { preflightLine, preflightPassed } from '../../core/preflight.js';
import { findSystem, loadConfig } from '../../drillbookConfig.js';
import { parseFlags } from '../args.js';
import { type Command, exitCodes } from '../context.js';

export const preflightCommand: Command = {
  name: 'preflight',
  summary: 'check from inside the AWS account what a drill needs, and name what is missing',
  help: `usage: drillbook preflight --target aws [--config FILE] [--system NAME] [--json]

Checks, with your credentials, what a backup and a restore drill of the system need, one line each:
  source                   systems[].aws.dbInstanceIdentifier (or dbClusterIdentifier) exists
  backup-retention         its BackupRetentionPeriod > 0 (point-in-time restore needs it)
  offsite-kms-key          with aws.offsite: an encrypted source (StorageEncrypted) has
                           aws.offsite.kmsKeyId, the offsite region's key its copies need
  source-secret            sourceSecretId is readable (GetSecretValue) with username and password;
                           the value is never printed
  manifest-key-secret      backup.manifestKey.secretId is readable (when configured)
  runbook-bucket           runbook.s3 takes a write under its prefix (a small preflight/ object,
                           deleted afterwards)
  kms-key                  reporting.kmsKeyId: that write used SSE-KMS (kms:GenerateDataKey) and
                           reads back (kms:Decrypt); skipped without a key
  staging-subnet-group     staging.dbSubnetGroupName exists (DescribeDBSubnetGroups)
  staging-security-groups  skipped: needs @aws-sdk/client-ec2, not a dependency

Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 bad input or configuration.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {});
    if (values.target !== 'aws') {
      throw new InputError('--target', 'preflight checks an AWS account: give --target aws');
    }
    const file = values.config ?? process.env['DRILLBOOK_CONFIG'];
    if (!file) throw new InputError('--config', 'is required: its systems[].aws section says what to check');
    const config = loadConfig(file);
    const system = findSystem(config, values.system);
    const { aws } = system;
    if (!aws) {
      const i = config.systems.indexOf(system);
      throw new ConfigError(`systems.${i}.aws`, `is required: system "${system.name}" has no AWS section`);
    }
    const clients = preflightClients(config, aws);
    const checks = await runPreflight(config, { ...system, aws }, clients);
    const passed = preflightPassed(checks);
    if (values.json) ctx.out(JSON.stringify({ system: system.name, passed, checks }, null, 2));
    else for (const check of checks) ctx.out(preflightLine(check));
    return passed ? exitCodes.passed : exitCodes.failed;
  },
};
