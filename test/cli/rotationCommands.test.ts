import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupPostgresAfterAll, startPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

function drillbook(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/drillbook.mjs', ...args], {
      env: { ...process.env, DRILLBOOK_CONFIG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let server: ThrowawayPostgres;
let dir: string;

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'drillbook-cli-rotation-'));
});

describe('drillbook rotate / rotation-audit', () => {
  it('rotates a real local Postgres role, then the audit finds it healthy', async () => {
    const store = join(dir, 'secrets.json');
    const runbook = join(dir, 'runbook');
    const rotate = await drillbook([
      'rotate',
      '--type',
      'postgres',
      '--secret',
      'app-db',
      '--store',
      store,
      '--runbook',
      runbook,
      '--init',
      '--admin-url',
      server.url(),
      '--role',
      'cli_app',
      '--ssl-mode',
      'disable',
      '--json',
    ]);
    expect(rotate.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(rotate.code).toBe(0);
    const report = JSON.parse(rotate.stdout);
    expect(report).toMatchObject({ kind: 'secret-rotation', outcome: 'passed' });
    const value = JSON.parse(
      Object.values(
        (
          JSON.parse(readFileSync(store, 'utf8')) as {
            secrets: Record<string, { versions: Record<string, { stages: string[]; value: string }> }>;
          }
        ).secrets['app-db']!.versions,
      ).find((v) => v.stages.includes('AWSCURRENT'))!.value,
    );
    expect(value.username).toBe('cli_app_clone');
    expect(rotate.stdout).not.toContain(value.password);
    expect(rotate.stderr).not.toContain(value.password);

    // By default the audit covers the secrets tagged drillbook:rotation: app-db, not its admin secret.
    const audit = await drillbook(['rotation-audit', '--store', store, '--runbook', runbook, '--json']);
    expect(audit.code).toBe(0);
    const auditReport = JSON.parse(audit.stdout);
    expect(auditReport).toMatchObject({ kind: 'rotation-audit', outcome: 'passed' });
    expect(auditReport.checks.map((c: { name: string }) => c.name)).toEqual(['secret app-db']);
    const withAdmin = await drillbook([
      'rotation-audit',
      '--store',
      store,
      '--runbook',
      runbook,
      '--secret',
      'app-db',
      '--secret',
      'app-db-admin',
    ]);
    expect(withAdmin.code).toBe(1);
    expect(withAdmin.stdout).toMatch(/app-db-admin \| FAIL \| rotation is disabled/);
  });

  it('exits 1 when TLS is required and the local server has none, and the audit then flags it stuck', async () => {
    const store = join(dir, 'tls.json');
    const runbook = join(dir, 'runbook');
    const rotate = await drillbook([
      'rotate',
      '--type',
      'postgres',
      '--secret',
      'tls-db',
      '--store',
      store,
      '--runbook',
      runbook,
      '--init',
      '--admin-url',
      server.url(),
      '--role',
      'cli_tls',
    ]);
    expect(rotate.code).toBe(1);
    expect(rotate.stdout).toMatch(/does not support SSL/);
    const auditArgs = ['rotation-audit', '--store', store, '--runbook', runbook, '--secret', 'tls-db'];
    const audit = await drillbook(auditArgs);
    // Just failed: a rotation left unfinished a moment ago is noted, not yet "stuck" (24 h default).
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/a rotation is running: AWSPENDING on version/);
    const later = await drillbook([...auditArgs, '--stuck-after-hours', '0']);
    expect(later.code).toBe(1);
    expect(later.stdout).toMatch(/stuck/);
  });

  it('exits 2 naming the field for bad input', async () => {
    const noSecret = await drillbook(['rotate', '--type', 'postgres']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/--secret: is required/);
    const badType = await drillbook(['rotate', '--type', 'ldap', '--secret', 'x']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/--type: must be one of postgres, jwt, hmac/);
    const missing = await drillbook([
      'rotate',
      '--type',
      'hmac',
      '--secret',
      'nope',
      '--store',
      join(dir, 'none.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--secret: no secret "nope"/);
    const noStore = await drillbook(['rotation-audit', '--store', join(dir, 'none.json')]);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/--store: file not found/);
    const help = await drillbook(['rotate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--ssl-mode/);
    const auditHelp = await drillbook(['rotation-audit', '--help']);
    expect(auditHelp.stdout).toMatch(/--warning-days/);
  });
});
