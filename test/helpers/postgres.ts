import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { makeServerTempDir, pgBin, serverUser } from '../../lib/local/exec.js';
import { type ClusterOptions, LocalCluster } from '../../lib/local/pgCluster.js';

export interface ThrowawayPostgres {
  cluster: LocalCluster;
  /** Temp folder holding the cluster (cluster/), its WAL archive (wal/) and anything else the test puts there. */
  root: string;
  archiveDir: string;
  url: (database?: string) => string;
}

const live = new Set<{ root: string; cluster: LocalCluster }>();

/**
 * Starts a throwaway Postgres (free port, temp folder, WAL archiving on) and stops and removes it
 * after the test file, also when tests fail. A process-exit hook kills any server still running.
 */
export async function startPostgres(
  options: Partial<ClusterOptions> & { archiveSubdir?: string } = {},
): Promise<ThrowawayPostgres> {
  const { archiveSubdir = 'wal', ...clusterOptions } = options;
  const root = makeServerTempDir('drillbook-test-');
  const archiveDir = join(root, archiveSubdir);
  const cluster = await LocalCluster.init({
    dir: join(root, 'cluster'),
    archiveDir,
    fast: true,
    ...clusterOptions,
  });
  const entry = { root, cluster };
  live.add(entry);
  await cluster.start();
  return { cluster, root, archiveDir, url: (db) => cluster.url(db) };
}

/** Registers afterAll cleanup for the servers this file started. Call once at the top of a test file. */
export function cleanupPostgresAfterAll(): void {
  afterAll(async () => {
    for (const entry of [...live]) {
      await entry.cluster.destroy().catch(() => {});
      rmSync(entry.root, { recursive: true, force: true });
      live.delete(entry);
    }
  });
}

process.on('exit', () => {
  for (const entry of live) {
    const user = serverUser();
    spawnSync(pgBin('pg_ctl'), ['stop', '-m', 'immediate', '-D', entry.cluster.dataDir], {
      stdio: 'ignore',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    rmSync(entry.root, { recursive: true, force: true });
  }
});
