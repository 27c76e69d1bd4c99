import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LocalNatsServer } from '../../lib/local/natsServer.js';

export interface ThrowawayNats {
  server: LocalNatsServer;
  url: string;
  storeDir: string;
}

const live = new Set<{ server: LocalNatsServer; root: string }>();

/**
 * Starts a throwaway `nats-server -js` on a free port with a temp store folder (and `config`, a
 * nats-server config file's text, e.g. an authorization block). Call
 * cleanupNatsAfterAll() once per test file: it kills the servers and removes their folders after
 * the file, also when tests fail; a process-exit hook kills any left running.
 */
export async function startNats(options: { config?: string } = {}): Promise<ThrowawayNats> {
  const root = mkdtempSync(join(tmpdir(), 'drillbook-nats-'));
  const storeDir = join(root, 'store');
  let args: string[] = [];
  if (options.config !== undefined) {
    writeFileSync(join(root, 'nats.conf'), options.config);
    args = ['-c', join(root, 'nats.conf')];
  }
  const server = await LocalNatsServer.start({ storeDir, args });
  live.add({ server, root });
  return { server, url: server.url, storeDir };
}

export function cleanupNatsAfterAll(): void {
  afterAll(async () => {
    for (const entry of [...live]) {
      await entry.server.kill().catch(() => {});
      rmSync(entry.root, { recursive: true, force: true });
      live.delete(entry);
    }
  });
}

process.on('exit', () => {
  for (const entry of live) {
    entry.server.killNow();
    rmSync(entry.root, { recursive: true, force: true });
  }
});
