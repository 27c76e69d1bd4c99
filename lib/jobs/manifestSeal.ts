import { BackupError, describeError } from '../core/errors.js';
import { checkManifestIntegrity, type ManifestKey } from '../core/manifestDigest.js';
import type { Check } from '../core/report.js';
import type { BackupRecord, BackupRepository, ManifestKeySource } from '../ports.js';

/** The manifest key's value, when one is configured; a failure names the secret, never a value. */
export async function readManifestKey(
  source: ManifestKeySource | undefined,
): Promise<ManifestKey | undefined> {
  if (!source) return undefined;
  try {
    return { id: source.id, secret: await source.read() };
  } catch (error) {
    throw new BackupError(`cannot read the manifest key ${source.id}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** The `manifest-integrity` check of a backup's stored manifest (digest, and HMAC when keyed). */
export async function manifestIntegrityOf(
  backups: BackupRepository,
  backup: BackupRecord,
  keySource: ManifestKeySource | undefined,
): Promise<Check> {
  const location = backups.manifestLocation?.(backup) ?? backup.location;
  if (!backup.manifest) {
    return {
      name: 'manifest-integrity',
      outcome: 'failed',
      detail: `backup ${backup.id} has no manifest (${location})`,
    };
  }
  return checkManifestIntegrity(
    backup.manifest,
    { backupId: backup.id, location },
    await readManifestKey(keySource),
  );
}
