import { chmodSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeServerTempDir, pgBinDir } from '../../lib/local/exec.js';
import type { LocalCluster } from '../../lib/local/pgCluster.js';

/**
 * The server binaries as they are, but pg_ctl's "start" behaves as on a loaded machine where the
 * new postmaster is descheduled between creating postmaster.pid and writing its pid into it:
 * pg_ctl -W returns, the file is there and empty, and only a second later does the real postmaster
 * start and fill it. The cluster module is loaded afresh once the folder is set (exec.ts keeps
 * the folder it found first).
 */
const realBinDir = pgBinDir();
const binDir = makeServerTempDir('drillbook-slow-pidfile-');
for (const tool of readdirSync(realBinDir)) {
  if (tool !== 'pg_ctl') symlinkSync(join(realBinDir, tool), join(binDir, tool));
}
writeFileSync(
  join(binDir, 'pg_ctl'),
  `#!/bin/sh
real='${join(realBinDir, 'pg_ctl')}'
if [ "$1" = start ]; then
  data=''; prev=''
  for a in "$@"; do [ "$prev" = -D ] && data=$a; prev=$a; done
  : > "$data/postmaster.pid"
  ( sleep 1; rm -f "$data/postmaster.pid"; exec "$real" "$@" ) </dev/null >/dev/null 2>&1 &
  exit 0
fi
exec "$real" "$@"
`,
);
chmodSync(join(binDir, 'pg_ctl'), 0o755);
const before = process.env['DRILLBOOK_PG_BINDIR'];
process.env['DRILLBOOK_PG_BINDIR'] = binDir;
vi.resetModules();
const { LocalCluster: SlowPidFileCluster } = await import('../../lib/local/pgCluster.js');

const clusters: { root: string; cluster: LocalCluster }[] = [];
afterAll(async () => {
  for (const { root, cluster } of clusters) {
    await cluster.destroy().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
  rmSync(binDir, { recursive: true, force: true });
  if (before === undefined) delete process.env['DRILLBOOK_PG_BINDIR'];
  else process.env['DRILLBOOK_PG_BINDIR'] = before;
});

describe('a server started in the background', () => {
  it('is not reported stopped while its postmaster has not written its pid file yet', async () => {
    const root = makeServerTempDir('drillbook-cluster-');
    const cluster = await SlowPidFileCluster.init({ dir: join(root, 'c'), fast: true });
    clusters.push({ root, cluster });

    await cluster.startInBackground();

    // What a restore's wait asks when its first connection is refused: the server must not count as gone.
    expect(await cluster.isRunning()).toBe(true);
    await cluster.waitUntilAcceptingConnections(60_000);
    expect(await cluster.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
