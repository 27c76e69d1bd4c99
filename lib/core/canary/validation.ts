import type { z } from 'zod';
import { InputError } from '../errors.js';

/** A zod error as an InputError naming the first offending field, e.g. "event.detail.state.value". */
export function toInputError(error: z.ZodError, prefix: string): InputError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  return new InputError(path ? `${prefix}.${path}` : prefix, issue?.message ?? 'invalid', { cause: error });
}
