import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../../lib/aws/secrets.js';
import { parseConfig } from '../../lib/config.js';
import { withClient } from '../../lib/pg/connection.js';
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
});
