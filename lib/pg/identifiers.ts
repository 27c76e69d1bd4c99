import { InputError } from '../core/errors.js';

const part = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes "schema.table" or "name" for SQL; anything else is bad input naming `field`. */
export function quoteQualified(name: string, field: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => part.test(p))) {
    throw new InputError(field, `must be a table or column name like "schema.table", got "${name}"`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}
