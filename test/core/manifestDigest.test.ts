import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../lib/core/manifest.js';
import {
  canonicalJson,
  checkManifestIntegrity,
  manifestDigest,
  sealManifest,
} from '../../lib/core/manifestDigest.js';

const manifest: Manifest = {
  system: 'shop',
  backupId: 'shop-1',
  capturedAt: '2026-11-23T10:15:00.000Z',
  postgresVersion: '15.8',
  migrationHead: '20261101_add_customers',
  tables: [
    { table: 'public.customers', rows: 500, checksum: '123456789', hash: 'record' },
    { table: 'public.items', rows: 0, checksum: '0' },
  ],
  restorePoint: { name: 'drillbook-shop-1', lsn: '0/3000060', time: '2026-11-23T10:15:00.000Z' },
};
const origin = { backupId: 'shop-1', location: '/backups/shop/base/shop-1/drillbook-backup.json' };
const key = { id: 'drillbook/manifest-key', secret: 'k3y-material' };

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order, drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}',
    );
  });
});

describe('manifest digest', () => {
  it('does not depend on key order or on the seal itself', () => {
    const reordered = Object.fromEntries(Object.entries(manifest).reverse()) as unknown as Manifest;
    expect(manifestDigest(reordered)).toBe(manifestDigest(manifest));
    expect(manifestDigest(sealManifest(manifest, key))).toBe(manifestDigest(manifest));
    expect(manifestDigest(manifest)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('covers every field, including ones added after this code was written', () => {
    const extended = { ...manifest, settings: { max_connections: '300' } } as Manifest;
    expect(manifestDigest(extended)).not.toBe(manifestDigest(manifest));
    const sealed = sealManifest(extended);
    const edited = { ...sealed, settings: { max_connections: '100' } } as Manifest;
    expect(checkManifestIntegrity(edited, origin).outcome).toBe('failed');
  });
});

describe('checkManifestIntegrity', () => {
  it('passes a sealed manifest that survived a JSON round trip, with and without a key', () => {
    const stored = JSON.parse(JSON.stringify(sealManifest(manifest, key))) as Manifest;
    expect(checkManifestIntegrity(stored, origin, key)).toEqual({
      name: 'manifest-integrity',
      outcome: 'passed',
      detail: `manifest of backup shop-1 (${origin.location}) matches its SHA-256 digest and HMAC (key ${key.id})`,
    });
    expect(checkManifestIntegrity(stored, origin).detail).toMatch(/HMAC not checked/);
    expect(checkManifestIntegrity(sealManifest(manifest), origin).outcome).toBe('passed');
  });

  it('fails a manifest whose row count was changed, naming the backup and where it is stored', () => {
    const sealed = sealManifest(manifest);
    const flipped = { ...sealed, tables: [{ ...sealed.tables[0]!, rows: 499 }, sealed.tables[1]!] };
    const check = checkManifestIntegrity(flipped, origin);
    expect(check.outcome).toBe('failed');
    expect(check.detail).toBe(
      `manifest of backup shop-1 (${origin.location}) does not match its SHA-256 digest: it was changed after the backup`,
    );
  });

  it('fails a re-digested manifest when the HMAC does not match the configured key', () => {
    const sealed = sealManifest(manifest, key);
    const forged = sealManifest({ ...sealed, migrationHead: 'forged' }, { id: key.id, secret: 'guess' });
    const check = checkManifestIntegrity(forged, origin, key);
    expect(check.outcome).toBe('failed');
    expect(check.detail).toMatch(/does not match its HMAC with key drillbook\/manifest-key$/);
    expect(check.detail).not.toContain(key.secret);
  });

  it('fails a manifest whose HMAC was stripped while a key is configured', () => {
    const { integrity, ...rest } = sealManifest(manifest, key);
    const stripped = { ...rest, integrity: { sha256: integrity!.sha256 } };
    expect(checkManifestIntegrity(stripped, origin, key).detail).toMatch(/has no HMAC, but a manifest key/);
    expect(checkManifestIntegrity(manifest, origin, key).outcome).toBe('failed');
  });

  it('skips, and says so, a manifest from before digests existed when no key is configured', () => {
    expect(checkManifestIntegrity(manifest, origin)).toEqual({
      name: 'manifest-integrity',
      outcome: 'skipped',
      detail: `manifest of backup shop-1 (${origin.location}): no digest (manifest from before drillbook 0.2); not verified`,
    });
  });
});
