import { ConfigError } from './core/errors.js';

/**
 * Reading a function's configuration from its environment, one way (in the manner of Powertools'
 * commons envUtils): typed getters over an injectable environment (tests pass their own), blank
 * means unset (the packaged stack sets an optional variable to ''), and errors name the variable.
 * The variable names themselves are the packaged stack's (serverless.yml) and do not change.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** The variable's value, trimmed; undefined when it is unset or blank. */
export function envString(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The variable as a number; undefined when unset or blank. A value that is not a number is
 * returned as NaN, so the schema it feeds names the field in its error.
 */
export function envNumber(env: Env, name: string): number | undefined {
  const value = envString(env, name);
  return value === undefined ? undefined : Number(value);
}

/** A comma-separated list, entries trimmed, empty entries dropped ([] when unset). */
export function envList(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * A variable holding JSON (a whole config: DRILLBOOK_CONFIG_JSON, DRILLBOOK_CANARY_CONFIG). A
 * ConfigError naming the variable when it is unset or empty (`what` says what belongs there) or
 * not JSON.
 */
export function envJson(env: Env, name: string, what?: string): unknown {
  const text = env[name];
  if (!text) throw new ConfigError(name, what ? `is not set (${what})` : 'is not set');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(name, 'is not valid JSON', { cause: error });
  }
}
