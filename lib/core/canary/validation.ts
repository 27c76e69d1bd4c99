import type { z } from 'zod';
import { InputError } from '../errors.js';

/**
 * A zod error as an InputError naming the first offending field, e.g. "event.detail.state.value".
 * A field that is absent from `input` is "required" (zod's own wording, "Invalid option" or
 * "expected string, received undefined", reads as if a wrong value had been given).
 */
export function toInputError(error: z.ZodError, prefix: string, input?: unknown): InputError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const field = path ? `${prefix}.${path}` : prefix;
  const missing = issue !== undefined && issue.path.length > 0 && valueAt(input, issue.path) === undefined;
  return new InputError(field, missing ? 'is required' : (issue?.message ?? 'invalid'), { cause: error });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
