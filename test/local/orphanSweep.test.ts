import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCommand } from '../../lib/cli/commands/cleanup.js';
import { main } from '../../lib/cli/main.js';
import type { OrphanSweep, StagingMarker } from '../../lib/core/orphans.js';
import { makeServerTempDir } from '../../lib/local/exec.js';
import { LocalCluster } from '../../lib/local/pgCluster.js';
import { currentBootId, processStartTicks } from '../../lib/local/processIdentity.js';
import { capturedContext } from '../helpers/commandContext.js';

/**
 * What the sweep must never touch, on real folders and real running servers: a folder without the
 * marker, a folder whose drill is still running (its owner process is alive), a symbolic link to
 * a marked folder elsewhere, a marker drillbook did not write, and a young marker from an older
 * drillbook. Beside them, one real orphan (its owner is gone) is removed.
 */
let root: string;
let workDir: string;
let alive: ChildProcess;
const clusters: LocalCluster[] = [];

function marked(dir: string, marker: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'drillbook-staging.json'), JSON.stringify(marker));
}

const ownedBy = (pid: number): StagingMarker => ({
  createdBy: 'drillbook',
  createdAt: new Date().toISOString(),
  owner: { pid, startTicks: processStartTicks(pid), bootId: currentBootId(), host: hostname() },
});

async function serverIn(dir: string): Promise<LocalCluster> {
  const cluster = await LocalCluster.init({ dir, fast: true });
  clusters.push(cluster);
  await cluster.start();
  return cluster;
}

beforeAll(async () => {
  root = makeServerTempDir('drillbook-sweep-');
  workDir = join(root, 'staging');
  mkdirSync(workDir);
  alive = spawn('sleep', ['600'], { stdio: 'ignore' });
  await serverIn(join(workDir, 'drillbook-staging-nomarker'));
  const running = join(workDir, 'drillbook-staging-running');
  await serverIn(running);
  marked(running, ownedBy(alive.pid!));

  const gone = spawnSync('true').pid;
  marked(join(root, 'elsewhere', 'drillbook-staging-outside'), {
    ...ownedBy(gone),
    owner: { pid: gone, startTicks: null, bootId: null, host: hostname() },
  });
  symlinkSync(join(root, 'elsewhere', 'drillbook-staging-outside'), join(workDir, 'drillbook-staging-link'));
  marked(join(workDir, 'drillbook-staging-foreign'), { createdBy: 'someone-else' });
  marked(join(workDir, 'drillbook-staging-legacy'), {
    createdBy: 'drillbook',
    backupId: 'b0',
    createdAt: new Date().toISOString(),
  });
  marked(join(workDir, 'drillbook-staging-dead'), {
    ...ownedBy(gone),
    owner: { pid: gone, startTicks: null, bootId: null, host: hostname() },
  });
  mkdirSync(join(workDir, 'lost+found'));
}, 180_000);

afterAll(async () => {
  alive.kill();
  for (const cluster of clusters) await cluster.destroy().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

describe('the local orphan sweep (drillbook cleanup)', () => {
  it('removes only the orphan and leaves unmarked, running, linked, foreign and young staging alone', async () => {
    const { ctx, out } = capturedContext();
    expect(await cleanupCommand.run(['--work-dir', workDir, '--json'], ctx)).toBe(0);
    const sweep = JSON.parse(out.join('\n')) as OrphanSweep;

    expect(sweep.removed).toEqual([
      {
        id: 'drillbook-staging-dead',
        why: expect.stringMatching(/is gone$/),
        detail: 'no server was running; folder removed',
      },
    ]);
    expect(sweep.failed).toEqual([]);
    expect(Object.fromEntries(sweep.left.map((e) => [e.id, e.why]))).toEqual({
      'drillbook-staging-nomarker': "no drillbook-staging.json marker: not drillbook's to remove",
      'drillbook-staging-running': `its drill (pid ${alive.pid}) is still running`,
      'drillbook-staging-link': 'a symbolic link: not followed',
      'drillbook-staging-foreign': 'drillbook-staging.json is not a drillbook marker',
      'drillbook-staging-legacy': expect.stringMatching(/^marker without an owner .*may still be running/),
    });
    expect(readdirSync(workDir).sort()).toEqual([
      'drillbook-staging-foreign',
      'drillbook-staging-legacy',
      'drillbook-staging-link',
      'drillbook-staging-nomarker',
      'drillbook-staging-running',
      'lost+found',
    ]);
    expect(existsSync(join(root, 'elsewhere', 'drillbook-staging-outside', 'drillbook-staging.json'))).toBe(
      true,
    );
    // Both servers in the folders left alone still answer.
    for (const cluster of clusters) expect(await cluster.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('once the owning drill is gone, its folder is an orphan: the server is stopped and the folder removed', async () => {
    const exited = new Promise((resolve) => alive.once('exit', resolve));
    alive.kill('SIGKILL');
    await exited;
    const { ctx, out } = capturedContext();
    expect(await cleanupCommand.run(['--work-dir', workDir], ctx)).toBe(0);
    expect(out).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^removed drillbook-staging-running: .*is gone \\(stopped its server \\(port ${clusters[1]!.port}\\)`,
        ),
      ),
    );
    expect(existsSync(join(workDir, 'drillbook-staging-running'))).toBe(false);
    expect(await clusters[0]!.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('exits 2 naming the flag on bad input', async () => {
    const code = await main(['cleanup', '--target', 'gcp']);
    expect(code).toBe(2);
    await expect(cleanupCommand.run(['--target', 'gcp'], capturedContext().ctx)).rejects.toThrow(
      '--target: must be "local" or "aws"',
    );
    await expect(cleanupCommand.run(['--target', 'aws'], capturedContext().ctx)).rejects.toThrow(/--config/);
  });
});
