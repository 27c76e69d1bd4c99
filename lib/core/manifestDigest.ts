import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Manifest } from './manifest.js';
import type { Check } from './report.js';

/**
 * Tamper evidence for verification manifests. The backup seals a manifest with a SHA-256 digest
 * over its canonical JSON (keys sorted at every level, no whitespace) of every field except
 * `integrity` itself, so fields added later are covered without listing them; with a key (from
 * the secret store) also an HMAC-SHA256 over the same text. A drill checks the seal before it
 * trusts the manifest. The digest alone catches edits and corruption; only the HMAC proves the
 * manifest came from someone holding the key. Pure.
 */
export interface ManifestIntegrity {
  /** Hex SHA-256 of the canonical JSON of the manifest without `integrity`. */
  sha256: string;
  /** Hex HMAC-SHA256 of the same text, when a manifest key was configured. */
  hmacSha256?: string;
  /** The secret the HMAC key came from (an id, never the key). */
  keyId?: string;
}

/** A manifest key: the secret's id and its value (the HMAC key, as UTF-8). Never logged. */
export interface ManifestKey {
  id: string;
  secret: string;
}

/** JSON with object keys sorted at every level; `undefined` fields are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sealedText(manifest: Manifest): string {
  const { integrity: _ignored, ...content } = manifest;
  return canonicalJson(content);
}

export function manifestDigest(manifest: Manifest): string {
  return createHash('sha256').update(sealedText(manifest)).digest('hex');
}

export function manifestHmac(manifest: Manifest, key: ManifestKey): string {
  return createHmac('sha256', key.secret).update(sealedText(manifest)).digest('hex');
}

/** The manifest with its seal (replacing any earlier one). */
export function sealManifest(manifest: Manifest, key?: ManifestKey): Manifest {
  const integrity: ManifestIntegrity = { sha256: manifestDigest(manifest) };
  if (key) {
    integrity.hmacSha256 = manifestHmac(manifest, key);
    integrity.keyId = key.id;
  }
  return { ...manifest, integrity };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Where a manifest came from, for the check's detail. */
export interface ManifestOrigin {
  backupId: string;
  location: string;
}

export const NO_DIGEST_NOTE = 'no digest (manifest from before drillbook 0.2)';

/**
 * The `manifest-integrity` check. Failed when the content does not match its digest or HMAC, or
 * when a key is configured but the manifest carries no HMAC (someone may have stripped the
 * seal). A manifest from before seals existed, with no key configured, is `skipped`: it is not
 * verified, and the detail says so.
 */
export function checkManifestIntegrity(manifest: Manifest, origin: ManifestOrigin, key?: ManifestKey): Check {
  const name = 'manifest-integrity';
  const where = `manifest of backup ${origin.backupId} (${origin.location})`;
  const seal = manifest.integrity;
  if (!seal) {
    return key
      ? {
          name,
          outcome: 'failed',
          detail: `${where} has no digest or HMAC, but a manifest key (${key.id}) is configured`,
        }
      : { name, outcome: 'skipped', detail: `${where}: ${NO_DIGEST_NOTE}; not verified` };
  }
  if (!sameHex(seal.sha256, manifestDigest(manifest))) {
    return {
      name,
      outcome: 'failed',
      detail: `${where} does not match its SHA-256 digest: it was changed after the backup`,
    };
  }
  if (!key) {
    const note = seal.hmacSha256 ? '; HMAC not checked (no backup.manifestKey configured)' : '';
    return { name, outcome: 'passed', detail: `${where} matches its SHA-256 digest${note}` };
  }
  if (!seal.hmacSha256) {
    return {
      name,
      outcome: 'failed',
      detail: `${where} has no HMAC, but a manifest key (${key.id}) is configured`,
    };
  }
  if (!sameHex(seal.hmacSha256, manifestHmac(manifest, key))) {
    return {
      name,
      outcome: 'failed',
      detail: `${where} does not match its HMAC with key ${key.id}${seal.keyId && seal.keyId !== key.id ? ` (sealed with key ${seal.keyId})` : ''}`,
    };
  }
  return { name, outcome: 'passed', detail: `${where} matches its SHA-256 digest and HMAC (key ${key.id})` };
}
