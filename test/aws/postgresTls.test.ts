import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../../lib/aws/secrets.js';
import { parseConfig } from '../../lib/drillbookConfig.js';
import { withClient } from '../../lib/pg/connection.js';
import { caSignedCertificate } from '../helpers/certificates.js';
import {
  cleanupDistributionSourcesAfterAll,
  type DistributionSource,
  startDistributionSource,
} from '../helpers/distributionSource.js';

/**
 * TLS to RDS as the AWS adapters connect: a real Postgres with TLS on and a self-signed
 * certificate no CA vouches for (as a server in the middle would present) stands in for RDS.
 */
cleanupDistributionSourcesAfterAll();

let source: DistributionSource;
beforeAll(async () => {
  source = await startDistributionSource();
});
afterAll(() => source.stop());

const login = () => ({ username: 'app_owner', password: source.password });
const endpoint = () => ({ host: '127.0.0.1', port: source.port });

describe('Postgres TLS on the AWS target', () => {
  it('defaults to verify-full (the shipped example sets no sslMode)', () => {
    const example = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../config/drillbook.aws.example.json'), 'utf8'),
    );
    expect(example.systems[0].aws.sslMode).toBeUndefined();
    expect(parseConfig(example).systems[0]!.aws!.sslMode).toBe('verify-full');
  });

  it('verify-full refuses a server whose certificate no trusted CA signed, before sending the password', async () => {
    const url = postgresUrl(endpoint(), 'postgres', login(), 'verify-full');
    const error = await withClient(url, (c) => c.query('SELECT 1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('"no-verify" is an explicit opt-out: encrypted, certificate not checked', async () => {
    const url = postgresUrl(endpoint(), 'postgres', login(), 'no-verify');
    const rows = await withClient(
      url,
      async (c) => (await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows,
    );
    expect(rows).toEqual([{ ssl: true }]);
  });

  it('verify-full connects to a server whose CA the runtime trusts through NODE_EXTRA_CA_CERTS, and checks the host', async () => {
    // A CA of our own stands in for the RDS CA bundle; the server's certificate names 127.0.0.1.
    const dir = source.configDir;
    const { ca, cert, key } = await caSignedCertificate(dir, 'rds', 'IP:127.0.0.1');
    await source.reconfigure({ ssl_cert_file: cert, ssl_key_file: key });

    // NODE_EXTRA_CA_CERTS is read once at process start, as on Lambda: a child process per case.
    const probe = (host: string, env: Record<string, string>) => {
      const url = postgresUrl({ host, port: source.port }, 'postgres', login(), 'verify-full');
      const script = `import { withClient } from ${JSON.stringify(join(import.meta.dirname, '../../lib/pg/connection.ts'))};
        const rows = await withClient(process.env.PROBE_URL, async (c) => (await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows);
        console.log(JSON.stringify(rows));`;
      return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, PROBE_URL: url, ...env },
        timeout: 60_000,
      });
    };
    const trusted = probe('127.0.0.1', { NODE_EXTRA_CA_CERTS: ca });
    expect(trusted.stderr).toBe('');
    expect(JSON.parse(trusted.stdout)).toEqual([{ ssl: true }]);
    expect(probe('127.0.0.1', {}).status).not.toBe(0); // without the bundle: not trusted
    const wrongHost = probe('localhost', { NODE_EXTRA_CA_CERTS: ca });
    expect(wrongHost.status).not.toBe(0);
    expect(wrongHost.stderr).toMatch(/altnames|Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});
