import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuardError } from '../../lib/core/errors.js';
import { giveToServerUser, makeServerTempDir } from '../../lib/local/exec.js';
import { LocalBackupRepository } from '../../lib/local/localBackupRepository.js';
import { LocalRestoreTarget } from '../../lib/local/localRestoreTarget.js';
import { STAGING_MARKER } from '../../lib/local/orphanSweep.js';
import type { BackupRecord } from '../../lib/ports.js';
import { check, drillFixture } from '../helpers/drillFixture.js';
import { archiveNow, backup, drill } from '../helpers/drillJobs.js';
import { cleanupPostgresAfterAll, startPostgres } from '../helpers/postgres.js';

cleanupPostgresAfterAll();

const quiet = { step: () => {} };
const never = new AbortController().signal;

function target(root: string): LocalRestoreTarget {
  return new LocalRestoreTarget({
    workDir: join(root, 'staging'),
    archiveDir: join(root, 'wal'),
    sourceUrl: 'postgres://drillbook:secret@127.0.0.1:5432/postgres',
    recoveryTimeoutMs: 10_000,
  });
}

/** A base-backup folder the copy cannot finish: one file in it nobody but root may read. */
function halfReadableBackup(root: string): BackupRecord {
  const location = join(root, 'base', 'b1');
  mkdirSync(join(location, 'global'), { recursive: true });
  writeFileSync(join(location, 'PG_VERSION'), '15\n');
  writeFileSync(join(location, 'global', 'pg_control'), 'control');
  chmodSync(join(location, 'global', 'pg_control'), 0o000);
  const at = new Date().toISOString();
  return { id: 'b1', system: 'shop', takenAt: at, finishedAt: at, location, sizeBytes: null, manifest: null };
}

describe('local restore target guards', () => {
  it('refuses to tear down a folder without the drill marker, and leaves it in place', async () => {
    const root = makeServerTempDir('drillbook-guard-');
    const id = 'drillbook-staging-not-ours';
    const dir = join(root, 'staging', id);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'precious'), 'not a drill');

    const teardown = target(root).teardown({ id, connectionString: 'postgres://x@127.0.0.1:1/x' }, quiet);

    await expect(teardown).rejects.toThrow(GuardError);
    await expect(teardown).rejects.toThrow(/carries no drillbook staging marker/);
    expect(existsSync(join(dir, 'data', 'precious'))).toBe(true);
  });

  it('refuses a marker that drillbook did not write', async () => {
    const root = makeServerTempDir('drillbook-guard-');
    const id = 'drillbook-staging-foreign';
    const dir = join(root, 'staging', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, STAGING_MARKER), JSON.stringify({ createdBy: 'someone-else' }));

    const teardown = target(root).teardown({ id, connectionString: 'postgres://x@127.0.0.1:1/x' }, quiet);

    await expect(teardown).rejects.toThrow(/marker not written by drillbook/);
    expect(existsSync(join(dir, STAGING_MARKER))).toBe(true);
  });

  it('leaves no staging folder behind when the copy of the base backup fails half-way', async () => {
    const root = makeServerTempDir('drillbook-guard-');
    const steps: string[] = [];

    const provision = target(root).provision(halfReadableBackup(root), { step: (m) => steps.push(m) }, never);

    await expect(provision).rejects.toThrow(/cp/);
    // The copy did start (the marker and the folder existed), then failed on the unreadable file.
    expect(steps.some((s) => s.startsWith('copying base backup b1'))).toBe(true);
    expect(readdirSync(join(root, 'staging'))).toEqual([]);
  });

  it('leaves no staging folder behind when the drill is interrupted during the copy', async () => {
    const root = makeServerTempDir('drillbook-guard-');
    const controller = new AbortController();
    const backupRecord = halfReadableBackup(root);
    chmodSync(join(backupRecord.location, 'global', 'pg_control'), 0o644);

    const provision = target(root).provision(
      backupRecord,
      { step: (m) => m.startsWith('copying') && controller.abort(new Error('interrupted by SIGINT')) },
      controller.signal,
    );

    await expect(provision).rejects.toThrow();
    expect(readdirSync(join(root, 'staging'))).toEqual([]);
  });
});

describe('a drill to "latest" and the WAL archive', () => {
  it('promotes staging without writing anything into the production archive', async () => {
    const f = await drillFixture();
    // A quiet source: only a WAL switch (ours) archives a segment, so the archive may not grow during the drill.
    await f.sql('ALTER SYSTEM SET archive_timeout = 0');
    await f.sql('SELECT pg_reload_conf()');
    expect((await backup(f, 'shop-wal')).report.outcome).toBe('passed');
    await f.sql("INSERT INTO items (tag) VALUES ('after-backup')");
    await archiveNow(f);
    const before = readdirSync(f.pg.archiveDir).sort();

    const { report } = await drill(f);

    expect(report.outcome, JSON.stringify(report.checks)).toBe('passed');
    expect(report.details?.['recoveryTarget']).toBe('latest');
    expect(report.phases.map((p) => p.name)).toContain('roll-forward');
    expect(check(report, 'row-counts')?.outcome).toBe('passed');
    // Promotion starts a new timeline: with archiving on, staging would add 00000002.history and a .partial.
    expect(readdirSync(f.pg.archiveDir).sort()).toEqual(before);

    // The helper the drill tests lean on: a segment that never reaches the archive fails, named.
    await f.sql("ALTER SYSTEM SET archive_command = 'false'");
    await f.sql('SELECT pg_reload_conf()');
    await f.sql("INSERT INTO items (tag) VALUES ('never archived')");
    await expect(archiveNow(f, 1500)).rejects.toThrow(
      /timed out after 2s waiting for WAL segment [0-9A-F]{24} /,
    );
  });
});

describe("a source's external PID file", () => {
  it('is not written by the restored copy: the copy writes its own inside its folder', async () => {
    const source = await startPostgres();
    // Debian's packages set external_pid_file = '/var/run/postgresql/15-main.pid'; here a folder the
    // server user may write to, so a copy that kept the source's setting would leave its pid there.
    const runDir = join(source.root, 'run');
    mkdirSync(runDir);
    giveToServerUser(runDir);
    const outside = join(runDir, '15-main.pid');
    // Read at the next start only: the running source keeps writing none; the base backup copies the line.
    appendFileSync(join(source.cluster.dataDir, 'postgresql.conf'), `\nexternal_pid_file = '${outside}'\n`);
    const record = await new LocalBackupRepository(join(source.root, 'backups'), 'shop', source.url()).take(
      'b-pid',
      quiet,
    );
    const restore = new LocalRestoreTarget({
      workDir: join(source.root, 'staging'),
      archiveDir: source.archiveDir,
      sourceUrl: source.url(),
      recoveryTimeoutMs: 60_000,
    });
    const handle = await restore.provision(record, quiet, never);
    try {
      await restore.recoverToManifest(handle, { ...record, manifest: null }, quiet, never);

      const dir = join(source.root, 'staging', handle.id);
      const postmasterPid = readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0];
      expect(existsSync(outside)).toBe(false);
      expect(readFileSync(join(dir, 'postmaster.external.pid'), 'utf8').split('\n')[0]).toBe(postmasterPid);
      expect(await restore.serverLog(handle)).not.toContain('external PID file');
    } finally {
      await restore.teardown(handle, quiet);
    }
    expect(existsSync(outside)).toBe(false);
  });
});
