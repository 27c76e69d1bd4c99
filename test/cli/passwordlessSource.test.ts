import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCommand } from '../../lib/cli/commands/backup.js';
import { heartbeatCommand } from '../../lib/cli/commands/heartbeat.js';
import { restoreDrillCommand } from '../../lib/cli/commands/restoreDrill.js';
import type { Report } from '../../lib/core/report.js';
import { makeServerTempDir } from '../../lib/local/exec.js';
import { withClient } from '../../lib/pg/connection.js';
import { capturedContext as context } from '../helpers/commandContext.js';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

/**
 * A source configured the way a careful user has it: no password in the config or the URL, the
 * password in a libpq password file (PGPASSFILE, mode 0600). The server asks for a password
 * (scram over TCP), so every login (heartbeat, pg_basebackup, manifest, staging) must get it.
 */
cleanupPostgresAfterAll();
const folders: string[] = [];
let pg: ThrowawayPostgres;
let root: string;
let passwordless: string;
const savedPassFile = process.env['PGPASSFILE'];

beforeAll(async () => {
  root = makeServerTempDir('drillbook-pgpass-');
  folders.push(root);
  pg = await startPostgres({ archiveDir: join(root, 'backups', 'shop', 'wal') });
  await withClient(pg.url(), async (c) => {
    await c.query('CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL)');
    await c.query(`INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 300) g`);
  });
  const url = new URL(pg.url());
  const password = decodeURIComponent(url.password);
  url.password = '';
  passwordless = url.toString();
  const passFile = join(root, 'pgpass');
  const escaped = password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  writeFileSync(
    passFile,
    `# drillbook test\n127.0.0.1:${url.port}:*:${decodeURIComponent(url.username)}:${escaped}\n`,
  );
  chmodSync(passFile, 0o600);
  process.env['PGPASSFILE'] = passFile;
}, 120_000);

afterAll(() => {
  if (savedPassFile === undefined) delete process.env['PGPASSFILE'];
  else process.env['PGPASSFILE'] = savedPassFile;
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, system: Record<string, unknown>): string {
  const file = join(root, name);
  writeFileSync(
    file,
    JSON.stringify({ systems: [{ name: 'shop', ...system }], runbook: { dir: join(root, 'runbook') } }),
  );
  return file;
}

describe('a source URL without a password', () => {
  it('beats the heartbeat with only --source-url: no backup folder asked for', async () => {
    const run = context();
    expect(await heartbeatCommand.run(['--source-url', passwordless, '--system', 'shop'], run.ctx)).toBe(0);
    expect(run.out.join('\n')).toMatch(/^heartbeat shop \d{4}-/);
    const config = writeConfig('heartbeat-only.json', { database: { sourceUrl: passwordless } });
    expect(await heartbeatCommand.run(['--config', config], context().ctx)).toBe(0);
  });

  it('backs up and passes a restore drill with the password only in PGPASSFILE', async () => {
    const config = writeConfig('drillbook.json', {
      database: { sourceUrl: passwordless },
      backup: { local: { dir: join(root, 'backups') } },
      restore: {
        workDir: join(root, 'staging'),
        checks: [{ name: 'items', sql: 'SELECT count(*) FROM public.items', expect: 300 }],
      },
    });
    expect(readFileSync(config, 'utf8')).not.toContain(decodeURIComponent(new URL(pg.url()).password));
    const backup = context();
    const backupCode = await backupCommand.run(
      ['--config', config, '--backup-id', 'shop-1', '--json'],
      backup.ctx,
    );
    const backupReport = JSON.parse(backup.out.join('\n')) as Report;
    expect(backupReport.reason).toBeUndefined();
    expect(backupCode).toBe(0);

    const drill = context();
    const code = await restoreDrillCommand.run(['--config', config, '--json'], drill.ctx);
    const report = JSON.parse(drill.out.join('\n')) as Report;
    expect(report.reason).toBeUndefined();
    expect(code).toBe(0);
    expect(report.checks.find((c) => c.name === 'sql:items')?.outcome).toBe('passed');
    expect(report.checks.find((c) => c.name === 'row-counts')?.outcome).toBe('passed');
    const printed = [
      ...backup.out,
      ...backup.err,
      ...backup.steps,
      ...drill.out,
      ...drill.err,
      ...drill.steps,
    ].join('\n');
    expect(printed).not.toContain(decodeURIComponent(new URL(pg.url()).password));
  });
});
