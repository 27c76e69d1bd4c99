import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import type { AnyProjection } from '../core/replay/projection.js';

/**
 * Loads a user's projection without forking drillbook: `spec` is a package name (installed next
 * to drillbook, or bundled) or a path to an ES module (relative paths from `baseDir`: the config's
 * folder locally, the function's root on Lambda). The module exports the projection as `default`
 * or `projection`; its `name` must be the one the config asks for.
 */
export async function loadProjectionModule(
  spec: string,
  expectedName: string,
  baseDir: string,
  field: string,
): Promise<AnyProjection> {
  const isPath = spec.startsWith('.') || isAbsolute(spec);
  const target = isPath ? pathToFileURL(resolve(baseDir, spec)).href : spec;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(field, `cannot load ${spec}: ${(error as Error).message}`, { cause: error });
  }
  const candidate = (mod['projection'] ?? mod['default']) as Partial<AnyProjection> | undefined;
  const missing = ['initial', 'apply', 'canonical'].filter(
    (k) => typeof (candidate as Record<string, unknown> | undefined)?.[k] !== 'function',
  );
  if (
    !candidate ||
    typeof candidate.name !== 'string' ||
    typeof candidate.events !== 'object' ||
    missing.length > 0
  ) {
    throw new ConfigError(
      field,
      `${spec} exports no projection (default or "projection" export with name, events, initial, apply, canonical${missing.length ? `; missing ${missing.join(', ')}` : ''})`,
    );
  }
  if (candidate.name !== expectedName) {
    throw new ConfigError(field, `${spec} exports projection "${candidate.name}", not "${expectedName}"`);
  }
  return candidate as AnyProjection;
}
