import type { z } from 'zod';
import { toInputError } from '../../core/canary/validation.js';

/** The canary handlers' parser: a bad event is an InputError on "event.<field>" ("is required" when missing). */
export function canaryEventParser<S extends z.ZodType>(schema: S): (event: unknown) => z.infer<S> {
  return (event) => {
    const result = schema.safeParse(event);
    if (!result.success) throw toInputError(result.error, 'event', event);
    return result.data;
  };
}
