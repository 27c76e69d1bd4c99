import type { z } from 'zod';
import { SecretFormatError } from '../../core/rotation/errors.js';

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
    const issue = result.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join('.') : '(root)';
    throw new SecretFormatError(`${what}: field ${field}: ${issue?.code ?? 'invalid'}`);
  }
  return result.data;
}
