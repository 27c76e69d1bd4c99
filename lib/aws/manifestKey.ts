import type { SystemConfig } from '../drillbookConfig.js';
import type { ManifestKeySource } from '../ports.js';
import type { AwsRuntime } from './runtime.js';
import { SecretsManagerReader } from './secretsManagerReader.js';

/** backup.manifestKey on AWS: the Secrets Manager secret's current string value, read when needed. */
export function awsManifestKey(
  rt: Pick<AwsRuntime, 'secrets'> & { system: SystemConfig },
): ManifestKeySource | undefined {
  const key = rt.system.backup.manifestKey;
  if (!key) return undefined;
  const reader = new SecretsManagerReader({ client: rt.secrets });
  return { id: key.secretId, read: () => reader.readSecret(key.secretId) };
}
