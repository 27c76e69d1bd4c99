import { parseArgs } from 'node:util';
import { InputError } from '../core/errors.js';
import { parseZonedTime } from '../core/zonedTime.js';

export type FlagSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }
>;

/** Shared flags every command accepts. */
export const commonFlags = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  system: { type: 'string' },
  target: { type: 'string', default: 'local' },
} as const satisfies FlagSpec;

/** util.parseArgs with errors that name the flag (exit code 2). */
export function parseFlags<T extends FlagSpec>(argv: string[], spec: T, positionals = false) {
  try {
    return parseArgs({
      args: argv,
      options: { ...commonFlags, ...spec },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const flag = /'(-{1,2}[\w-]+)/.exec(message)?.[1] ?? 'arguments';
    throw new InputError(flag, message.replace(/\. To specify.*$/s, ''), { cause: error });
  }
}

export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new InputError(`--${flag}`, 'is required');
  return value;
}

export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InputError(`--${flag}`, `must be a whole number, got "${value}"`);
  return Number(value);
}

/** A time flag: ISO-8601 with an explicit zone (Z or an offset); a time without one is refused. */
export function dateFlag(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = parseZonedTime(value);
  if (!parsed.ok) throw new InputError(`--${flag}`, parsed.reason);
  return parsed.date;
}
