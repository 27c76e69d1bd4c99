import { resolve } from 'node:path';
import type { DrillbookConfig, SystemConfig } from '../drillbookConfig.js';
import type { ManifestKeySource } from '../ports.js';
import { FileSecretStore } from './fileSecretStore.js';

/**
 * backup.manifestKey on the local target: the secret's AWSCURRENT value in the local secret store
 * (secrets.storeFile, else ./secrets.local.json, as `drillbook rotate` uses). Read when needed.
 */
export function localManifestKey(
  config: DrillbookConfig,
  system: SystemConfig,
): ManifestKeySource | undefined {
  const key = system.backup.manifestKey;
  if (!key) return undefined;
  const store = new FileSecretStore(resolve(config.secrets?.storeFile ?? 'secrets.local.json'));
  return {
    id: key.secretId,
    read: async () => (await store.getValue(key.secretId, { stage: 'AWSCURRENT' })).value,
  };
}
