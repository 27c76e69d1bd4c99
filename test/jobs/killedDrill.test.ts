import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrphanSweep } from '../../lib/core/orphans.js';
import type { Report } from '../../lib/core/report.js';
import { waitFor } from '../../lib/core/wait.js';
import { startSegmentFromLabel } from '../../lib/core/walSegments.js';
import { localBackupDir } from '../../lib/local/wiring.js';
import { check, type DrillFixture, drillFixture } from '../helpers/drillFixture.js';
import { backup } from '../helpers/drillJobs.js';
import { cleanupPostgresAfterAll } from '../helpers/postgres.js';

/**
 * A drill killed with SIGKILL in the middle of recovery leaves its staging server running; the
 * next drill (at its start) and `drillbook cleanup` find it by its marker, stop it and remove it.
 * Everything runs as a user would: `node bin/drillbook.mjs ...` child processes, real Postgres.
 *
 * To hold the drill in its recover phase deterministically, the WAL segment its backup starts in
 * is a named pipe in the archive: the staging server's restore_command (cp) blocks reading it, as
 * it would on an archive that does not answer, until the drill is killed. A second backup, taken
 * later, starts in a later segment and restores normally.
 */
cleanupPostgresAfterAll();

const root = join(import.meta.dirname, '..', '..');
let f: DrillFixture;
let configFile: string;
let heldPipe: string;

function drillbook(
  args: string[],
): ChildProcess & { stdout: NodeJS.ReadableStream; stderrText: () => string } {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'drillbook.mjs'), ...args, '--config', configFile],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return Object.assign(child, { stdout: child.stdout!, stderrText: () => stderr });
}

async function finished(child: ChildProcess & { stdout: NodeJS.ReadableStream }) {
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout };
}

const workDir = () => f.system.restore.workDir!;
const stagingFolders = () => (existsSync(workDir()) ? readdirSync(workDir()) : []);

/** Does anything accept TCP connections on this port of 127.0.0.1? */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a drill of backup b1 and SIGKILLs it once its staging server is up and replaying (the
 * progress line says so and postmaster.pid names a listening port). Returns the folder left behind.
 */
async function killDrillMidRecover(): Promise<{ folder: string; port: number; pid: number }> {
  const { child, left } = await drillMidRecover();
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // Killed: no teardown ran. Its staging server still listens and its folder is still there.
  expect(await accepts(left.port)).toBe(true);
  expect(existsSync(join(workDir(), left.folder, 'drillbook-staging.json'))).toBe(true);
  return left;
}

/** Starts a drill of backup b1 and waits until its staging server is up and replaying. */
async function drillMidRecover() {
  const before = new Set(stagingFolders());
  const child = drillbook(['restore-drill', '--backup-id', 'b1', '--json']);
  const left = await waitFor(
    'the drill to be replaying WAL in its staging server',
    async () => {
      if (child.exitCode !== null) throw new Error(`drill exited early: ${child.stderrText()}`);
      if (!/replaying WAL/.test(child.stderrText())) return undefined;
      const folder = stagingFolders().find((name) => !before.has(name));
      const pidFile = folder ? join(workDir(), folder, 'data', 'postmaster.pid') : null;
      if (!folder || !pidFile || !existsSync(pidFile)) return undefined;
      const lines = readFileSync(pidFile, 'utf8').split('\n');
      const port = Number(lines[3]);
      return port && (await accepts(port)) ? { folder, port, pid: Number(lines[0]) } : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 50, maxIntervalMs: 200 },
  );
  return { child, left };
}

/** The postmaster is gone: no such process, or a zombie its new parent has not reaped yet. */
function processGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

beforeAll(async () => {
  f = await drillFixture();
  const take = (backupId: string) => backup(f, backupId);
  expect((await take('b1')).report.outcome).toBe('passed');
  await f.sql("INSERT INTO items (tag) VALUES ('between the backups')");
  expect((await take('b2')).report.outcome).toBe('passed');

  const base = localBackupDir(f.system);
  const segment = startSegmentFromLabel(readFileSync(join(base, 'base', 'b1', 'backup_label'), 'utf8'))!;
  heldPipe = join(base, 'wal', segment);
  renameSync(heldPipe, `${heldPipe}.held`);
  expect(spawnSync('mkfifo', ['-m', '0644', heldPipe]).status).toBe(0);

  configFile = join(f.pg.root, 'drillbook.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      systems: [
        {
          name: 'shop',
          database: { sourceUrl: f.system.database.sourceUrl, migrationsTable: 'public.schema_migrations' },
          backup: { local: { dir: f.system.backup.local!.dir } },
          restore: { workDir: workDir() },
        },
      ],
      runbook: { dir: join(f.pg.root, 'runbook') },
      chat: { stdout: false },
    }),
  );
}, 300_000);

afterAll(() => {
  // Release any restore_command still reading the pipe (there should be none: stopping a
  // server signals its whole process group).
  try {
    closeSync(openSync(heldPipe, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is reading it
  }
});

describe('a drill killed with SIGKILL mid-recover', () => {
  it('leaves a running staging server that `drillbook cleanup` finds, stops and removes', async () => {
    const orphan = await killDrillMidRecover();

    const listed = await finished(drillbook(['cleanup', '--dry-run', '--json']));
    expect(listed.code).toBe(0);
    const dry = JSON.parse(listed.stdout) as OrphanSweep;
    expect(dry.removed.map((e) => e.id)).toEqual([orphan.folder]);
    expect(await accepts(orphan.port)).toBe(true);
    expect(stagingFolders()).toContain(orphan.folder);

    const cleanup = drillbook(['cleanup']);
    const { code, stdout } = await finished(cleanup);
    expect(code, cleanup.stderrText()).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^removed ${orphan.folder}: its drill \\(pid \\d+\\) is gone \\(stopped its server \\(port ${orphan.port}\\); folder removed\\)$`,
        'm',
      ),
    );
    expect(stdout).toMatch(/1 removed, 0 failed, 0 left alone$/m);
    expect(await accepts(orphan.port)).toBe(false);
    expect(processGone(orphan.pid)).toBe(true);
    expect(stagingFolders()).not.toContain(orphan.folder);

    const again = await finished(drillbook(['cleanup']));
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`no drill staging found in ${workDir()}`);
  });

  it('leaves an orphan that the next drill removes at its start and reports as orphaned-staging', async () => {
    const orphan = await killDrillMidRecover();

    const next = drillbook(['restore-drill', '--backup-id', 'b2', '--json']);
    const { code, stdout } = await finished(next);
    const report = JSON.parse(stdout) as Report;
    expect(report.reason, next.stderrText()).toBeUndefined();
    expect(code).toBe(0);
    expect(report.outcome).toBe('passed');
    expect(check(report, 'orphaned-staging')).toEqual({
      name: 'orphaned-staging',
      outcome: 'passed',
      detail: expect.stringMatching(
        new RegExp(
          `^removed 1: ${orphan.folder} \\(its drill \\(pid \\d+\\) is gone; stopped its server \\(port ${orphan.port}\\); folder removed\\)$`,
        ),
      ),
    });
    expect(processGone(orphan.pid)).toBe(true);
    // The orphan is gone, and the new drill tore its own staging down.
    expect(stagingFolders()).toEqual([]);
  });
});

describe('a drill interrupted with SIGINT mid-recover', () => {
  it('tears its staging down through the CLI, writes a failed report and exits 1', async () => {
    const { child, left } = await drillMidRecover();
    const done = finished(child);

    expect(child.kill('SIGINT')).toBe(true);
    const { code, stdout } = await done;

    expect(code, child.stderrText()).toBe(1);
    expect(child.stderrText()).toMatch(/SIGINT received: stopping and tearing down/);
    const report = JSON.parse(stdout) as Report;
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(/interrupted/);
    expect(report.phases.at(-1)).toMatchObject({ name: 'teardown', outcome: 'passed' });
    expect(await accepts(left.port)).toBe(false);
    expect(processGone(left.pid)).toBe(true);
    expect(stagingFolders()).toEqual([]);
  });
});
