import { describe, expect, it } from 'vitest';
import { reachesSource } from '../../lib/core/stagingEndpoint.js';

const source = {
  host: 'shop-db.c9akciq32.eu-west-1.rds.amazonaws.com',
  port: 5432,
  addresses: ['10.0.1.17'],
};

describe('reachesSource', () => {
  it('is true for the source endpoint in any spelling of its name', () => {
    expect(reachesSource({ host: source.host, port: 5432 }, source)).toBe(true);
    expect(reachesSource({ host: `${source.host.toUpperCase()}.`, port: 5432 }, source)).toBe(true);
  });

  it('is true for another name (or the address itself) that resolves to a source address', () => {
    expect(reachesSource({ host: 'db.internal.example', port: 5432, addresses: ['10.0.1.17'] }, source)).toBe(
      true,
    );
    expect(reachesSource({ host: '10.0.1.17', port: 5432 }, source)).toBe(true);
    expect(
      reachesSource({ host: '[::1]', port: 5432 }, { host: 'localhost', port: 5432, addresses: ['::1'] }),
    ).toBe(true);
  });

  it('is false on another port, and for another host with other addresses', () => {
    expect(reachesSource({ host: source.host, port: 5433 }, source)).toBe(false);
    expect(
      reachesSource(
        {
          host: 'drillbook-drill-shop-0a1b2c3d4e.c9akciq32.eu-west-1.rds.amazonaws.com',
          port: 5432,
          addresses: ['10.0.2.9'],
        },
        source,
      ),
    ).toBe(false);
  });
});
