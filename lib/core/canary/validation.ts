import type { z } from 'zod';
import type { InputError } from '../errors.js';
import { zodInputError } from '../zodFieldError.js';

/**
 * A zod error as an InputError naming the first offending field, e.g. "event.detail.state.value";
 * a field absent from `input` "is required". The canary's naming of lib/core/zodFieldError.ts.
 */
export function toInputError(error: z.ZodError, prefix: string, input?: unknown): InputError {
  return zodInputError(error, { prefix, input });
}
