import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import { NotAJwtSecretError } from '../../core/rotation/errors.js';
import {
  type SecretEntry,
  type SecretsConfig,
  secretsConfigSchema,
} from '../../core/rotation/secretsConfig.js';
import type { DrillbookConfig } from '../../drillbookConfig.js';

/** The config's `secrets` section, or its defaults. */
export function secretsConfig(config: DrillbookConfig | null): SecretsConfig {
  return config?.secrets ?? secretsConfigSchema.parse({});
}

/** --store FILE, else secrets.storeFile, else ./secrets.local.json (relative to the working folder). */
export function storeFile(flag: string | undefined, secrets: SecretsConfig): string {
  return resolve(flag ?? secrets.storeFile ?? 'secrets.local.json');
}

/**
 * A JWKS file to write, checked before anything is created: its folder must exist. `field` names
 * where the path came from (the flag, or the config's jwt.jwksFile).
 */
export function jwksFilePath(file: string, field: string): string {
  const path = resolve(file);
  const folder = dirname(path);
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new InputError(field, `the folder ${folder} does not exist (create it first)`);
  }
  return path;
}

/** For a `.catch`: --secret naming a secret that is not a JWT key ring is bad input (exit 2). */
export function notJwtIsBadInput(error: unknown): never {
  if (error instanceof NotAJwtSecretError) throw new InputError('--secret', error.message);
  throw error;
}

export function configuredEntry(secrets: SecretsConfig, id: string): SecretEntry | undefined {
  return secrets.items.find((e) => e.id === id);
}

export function systemName(flag: string | undefined, config: DrillbookConfig | null): string {
  return flag ?? (config?.systems.length === 1 ? config.systems[0]!.name : 'local');
}

export function positiveInt(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new InputError(`--${flag}`, `must be a whole number >= ${min}, got "${value}"`);
  }
  return Number(value);
}

export function oneOf<T extends string>(
  value: string | undefined,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`--${flag}`, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
