import type { z } from 'zod';
import { SecretFormatError } from '../../core/rotation/errors.js';
import { fieldProblem } from '../../core/zodFieldError.js';

/**
 * Parses a secret string with a schema. Errors name the field and the rule, never the value
 * (zod messages are built from the schema, and we drop `input`).
 */
export function parseSecretValue<T extends z.ZodType>(schema: T, raw: string, what: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SecretFormatError(`${what} is not JSON`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const { field, code } = fieldProblem(result.error);
    throw new SecretFormatError(`${what}: field ${field}: ${code}`);
  }
  return result.data;
}
