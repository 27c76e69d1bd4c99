import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { runbookDirFor, runCommand } from '../../lib/cli/commands/run.js';
import { ConfigError } from '../../lib/core/errors.js';
import { parseConfig } from '../../lib/drillbookConfig.js';
import { capturedContext as context } from '../helpers/commandContext.js';

const rds = mockClient(RDSClient);
const secrets = mockClient(SecretsManagerClient);
afterAll(() => {
  rds.restore();
  secrets.restore();
});

describe('drillbook run --dry-run', () => {
  it('prints the restore drill states in order with what each does, and calls nothing', async () => {
    const { ctx, out } = context();
    const code = await runCommand.run(
      ['restore-drill', '--input', '{"targetTime":"2026-11-20T10:00:00Z","mask":false}', '--dry-run'],
      ctx,
    );
    expect(code).toBe(0);
    const states = out.filter((l) => /^\s*\d+\. /.test(l)).map((l) => l.trim().split(' ')[1]);
    expect(states).toEqual([
      'Prepare',
      'RestoreDrillStart',
      'WaitForRestore',
      'RestoreDrillPoll',
      'RestoreReady',
      'RestoreDrillVerify',
      'CatchUpConfigured',
      'RestoreDrillCatchUp',
      'RestoreDrillTeardown',
      'RestoreDrillReport',
      'DrillPassed',
      'Done',
      'DrillFailed',
    ]);
    expect(out.join('\n')).toMatch(
      /RestoreDrillStart \(Task -> function restoreDrillStart\)\n\s+Choose and check the backup/,
    );
    expect(out.join('\n')).toMatch(/on error: RestoreDrillTeardown/);
    expect(rds.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  it('rejects input that does not validate, naming the field', async () => {
    const { ctx } = context();
    await expect(
      runCommand.run(['restore-drill', '--input', '{"targetTime":"soon"}', '--dry-run'], ctx),
    ).rejects.toThrow(/--input\.targetTime/);
    await expect(
      runCommand.run(['restore-drill', '--input', '{"targetTime":"2026-11-20T10:00:00"}', '--dry-run'], ctx),
    ).rejects.toThrow(/^--input\.targetTime: needs a time zone \(e\.g\. /);
    const error = await runCommand
      .run(['backup', '--input', '{"backupId":"bad--id"}'], ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('--input.backupId');
    await expect(runCommand.run(['backup', '--input', '{not json'], ctx)).rejects.toThrow(
      /--input: is not valid JSON/,
    );
    await expect(runCommand.run(['nightly'], ctx)).rejects.toThrow(/must be one of backup, restore-drill/);
  });

  it('needs a config to really run', async () => {
    const { ctx } = context();
    const saved = process.env['DRILLBOOK_CONFIG'];
    delete process.env['DRILLBOOK_CONFIG'];
    try {
      await expect(runCommand.run(['backup', '--input', '{}'], ctx)).rejects.toThrow(/--config: is required/);
    } finally {
      if (saved !== undefined) process.env['DRILLBOOK_CONFIG'] = saved;
    }
  });
});

describe('drillbook run: the runbook store it publishes to', () => {
  const base = { systems: [{ name: 'shop', database: { sourceUrl: 'postgresql://db/shop' } }] };

  it('is the configured S3 store when runbook.s3 is set, not ./runbook', () => {
    const config = parseConfig(
      { ...base, runbook: { s3: { bucket: 'ops-runbook', prefix: 'shop/' } } },
      '/etc/db',
    );
    expect(runbookDirFor(undefined, config)).toBeNull();
  });

  it('is runbook.dir (relative to the config) without S3, and --runbook overrides either', () => {
    const config = parseConfig({ ...base, runbook: { dir: 'books' } }, '/etc/db');
    expect(runbookDirFor(undefined, config)).toBe('/etc/db/books');
    const s3 = parseConfig({ ...base, runbook: { s3: { bucket: 'ops-runbook' } } }, '/etc/db');
    expect(runbookDirFor('/tmp/trial', s3)).toBe('/tmp/trial');
  });

  it('says in --help that it interprets the ASL here against AWS APIs, and points at start', () => {
    expect(runCommand.help).toMatch(/The local interpreter, not the deployed workflow/);
    expect(runCommand.help).toMatch(/`drillbook start --target aws`/);
  });
});
