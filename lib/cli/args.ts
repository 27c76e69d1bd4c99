import { parseArgs } from 'node:util';
import { InputError } from '../core/errors.js';

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

export function dateFlag(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InputError(`--${flag}`, `must be an ISO-8601 time, got "${value}"`);
  return date;
}
