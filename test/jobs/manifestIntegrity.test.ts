import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCommand } from '../../lib/cli/commands/backup.js';
import { restoreDrillCommand } from '../../lib/cli/commands/restoreDrill.js';
import { resolveSystem } from '../../lib/cli/systemFlags.js';
import type { Report } from '../../lib/core/report.js';
import { beginDrill } from '../../lib/jobs/restoreDrill/beginDrill.js';
import { finishDrill } from '../../lib/jobs/restoreDrill/finishDrill.js';
import { provisionStaging } from '../../lib/jobs/restoreDrill/provisionStaging.js';
import { recoverStaging } from '../../lib/jobs/restoreDrill/recoverStaging.js';
import { tearDownStaging } from '../../lib/jobs/restoreDrill/tearDownStaging.js';
import { verifyStaging } from '../../lib/jobs/restoreDrill/verifyStaging.js';
import { makeServerTempDir } from '../../lib/local/exec.js';
import { FileSecretStore } from '../../lib/local/fileSecretStore.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { localManifestKey } from '../../lib/local/manifestKey.js';
import { localBackups, localRestoreTarget, stagingInspector } from '../../lib/local/wiring.js';
import { withClient } from '../../lib/pg/connection.js';
import { capturedContext as context } from '../helpers/commandContext.js';
import { cleanupPostgresAfterAll, startPostgres } from '../helpers/postgres.js';

/**
 * A real backup seals its manifest (SHA-256 digest + HMAC with a key from the local secret
 * store); a drill on it passes. Someone then changes a row count in the stored manifest
 * (drillbook-backup.json in the backup folder): the next drill fails on manifest-integrity,
 * naming the backup and the file, restores nothing and still writes its report.
 */
cleanupPostgresAfterAll();
const KEY_SECRET = 'drillbook-manifest-key-material';
let root: string;
let config: string;

beforeAll(async () => {
  root = makeServerTempDir('drillbook-manifest-');
  const pg = await startPostgres({ archiveDir: join(root, 'backups', 'shop', 'wal') });
  await withClient(pg.url(), async (c) => {
    await c.query('CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL)');
    await c.query(`INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 250) g`);
  });
  const storeFile = join(root, 'secrets.local.json');
  await new FileSecretStore(storeFile).createSecret('drillbook/manifest-key', KEY_SECRET);
  config = join(root, 'drillbook.json');
  writeFileSync(
    config,
    JSON.stringify({
      systems: [
        {
          name: 'shop',
          database: { sourceUrl: pg.url() },
          backup: {
            local: { dir: join(root, 'backups') },
            manifestKey: { secretId: 'drillbook/manifest-key' },
          },
          restore: { workDir: join(root, 'staging') },
        },
      ],
      runbook: { dir: join(root, 'runbook') },
      secrets: { storeFile },
    }),
  );
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function drill(): Promise<{ code: number; report: Report; err: string }> {
  const run = context();
  const code = await restoreDrillCommand.run(['--config', config, '--json'], run.ctx);
  return { code, report: JSON.parse(run.out.join('\n')) as Report, err: run.err.join('\n') };
}

describe('manifest integrity (real Postgres)', () => {
  it('seals the manifest at backup and fails a drill whose stored manifest was changed', async () => {
    const backup = context();
    expect(await backupCommand.run(['--config', config, '--backup-id', 'shop-1', '--json'], backup.ctx)).toBe(
      0,
    );
    const recordFile = join(root, 'backups', 'shop', 'base', 'shop-1', 'drillbook-backup.json');
    const record = JSON.parse(readFileSync(recordFile, 'utf8'));
    expect(record.manifest.integrity).toMatchObject({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      hmacSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      keyId: 'drillbook/manifest-key',
    });
    expect(readFileSync(recordFile, 'utf8')).not.toContain(KEY_SECRET);

    const good = await drill();
    expect(good.report.reason).toBeUndefined();
    expect(good.code).toBe(0);
    expect(good.report.checks.find((c) => c.name === 'manifest-integrity')).toMatchObject({
      outcome: 'passed',
      detail: expect.stringMatching(/matches its SHA-256 digest and HMAC/),
    });

    const original = structuredClone(record.manifest);
    const items = record.manifest.tables.find((t: { table: string }) => t.table === 'public.items');
    items.rows += 1;
    writeFileSync(recordFile, JSON.stringify(record, null, 2));

    const bad = await drill();
    expect(bad.code).toBe(1);
    expect(bad.report.outcome).toBe('failed');
    expect(bad.report.checks.find((c) => c.name === 'manifest-integrity')).toEqual({
      name: 'manifest-integrity',
      outcome: 'failed',
      detail: `manifest of backup shop-1 (${recordFile}) does not match its SHA-256 digest: it was changed after the backup`,
    });
    expect(bad.report.reason).toMatch(/manifest of backup shop-1 .*drillbook-backup\.json.*not restoring it/);
    expect(bad.report.phases.map((p) => [p.name, p.outcome])).toEqual([['check-backup', 'failed']]);
    expect(existsSync(join(root, 'staging')) ? readdirNames(join(root, 'staging')) : []).toEqual([]);
    const stored = join(root, 'runbook', 'reports', 'restore-drill');
    expect(existsSync(stored)).toBe(true);
    writeFileSync(recordFile, JSON.stringify({ ...record, manifest: original }, null, 2));
  });

  it('fails a drill whose manifest changes after staging was provisioned, and still tears staging down', async () => {
    const { config: parsed, system } = resolveSystem({ config });
    const recordFile = join(root, 'backups', 'shop', 'base', 'shop-1', 'drillbook-backup.json');
    const runbook = new FolderRunbookStore(join(root, 'runbook'));
    const deps = {
      backups: localBackups(system),
      target: localRestoreTarget(system),
      inspector: stagingInspector(system),
      publishers: { runbook, chat: { postReport: async () => {} }, warn: () => {} },
      progress: { step: () => {} },
      signal: new AbortController().signal,
      manifestKey: localManifestKey(parsed, system),
    };
    let state = await beginDrill(deps, {
      system: 'shop',
      environment: 'production',
      mask: false,
      rpoTargetSeconds: 900,
      rtoTargetSeconds: 14_400,
    });
    state = await provisionStaging(deps, state);
    expect(state.staging).not.toBeNull();
    const stagingDir = join(root, 'staging', state.staging!.id);
    expect(existsSync(stagingDir)).toBe(true);
    const record = JSON.parse(readFileSync(recordFile, 'utf8'));
    record.manifest.migrationHead = 'tampered';
    writeFileSync(recordFile, JSON.stringify(record, null, 2));
    state = await recoverStaging(deps, state);
    state = await verifyStaging(deps, state);
    state = await tearDownStaging(deps, state);
    const { report } = await finishDrill(deps, state);
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /manifest of backup shop-1 .*drillbook-backup\.json.* does not match its SHA-256 digest/,
    );
    expect(report.phases.find((p) => p.name === 'teardown')?.outcome).toBe('passed');
    expect(existsSync(stagingDir)).toBe(false);
  });
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir);
}
