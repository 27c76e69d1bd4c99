import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ReplayReadError } from '../../lib/core/replay/errors.js';
import { connectNats } from '../../lib/nats/connection.js';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connectNats', () => {
  it('keeps trying until the connect timeout it reports has passed (one last attempt at the deadline)', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await connectNats(`nats://127.0.0.1:${port}`, { timeoutMs: 1500 }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(ReplayReadError);
    expect((error as Error).message).toMatch(/unreachable for 2s \(\d+ attempt\(s\)\)/);
    // It gave up no earlier than the timeout it names (before the fix it stopped at ~1.4 s).
    expect(waited).toBeGreaterThanOrEqual(1500);
  });
});
