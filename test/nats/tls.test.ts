import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../lib/nats/connection.js';
import { caSignedCertificate } from '../helpers/certificates.js';
import { cleanupNatsAfterAll, startNats, type ThrowawayNats } from '../helpers/nats.js';

/**
 * NATS over TLS as systems[].nats configures it: a real nats-server requiring TLS with a
 * certificate from a CA of our own (the operator's CA, given as tls.caFile).
 */
cleanupNatsAfterAll();

let dir: string;
let nats: ThrowawayNats;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drillbook-nats-tls-'));
  // nats.js checks an IP address server as "localhost" (its TLS servername): the name is in the certificate too.
  const { cert, key } = await caSignedCertificate(dir, 'nats', 'IP:127.0.0.1,DNS:localhost');
  nats = await startNats({
    config: `tls { cert_file: "${cert}", key_file: "${key}" }\n`,
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NATS over TLS', () => {
  it('connects to a server that requires TLS when the config names its CA', async () => {
    const url = nats.url.replace('nats://', 'tls://');
    const nc = await connectNats(url, { timeoutMs: 5_000, tls: { caFile: join(dir, 'ca.crt') } });
    try {
      await nc.flush();
      expect(nc.info?.tls_required).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('refuses the server when its CA is not trusted, naming the address and the TLS error', async () => {
    const url = nats.url.replace('nats://', 'tls://');
    const error = await connectNats(url, { timeoutMs: 2_000, tls: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/NATS at tls:\/\/127\.0\.0\.1:\d+ unreachable/);
    expect((error as Error).message).toMatch(/certificate|self.signed|issuer/i);
  });
});
