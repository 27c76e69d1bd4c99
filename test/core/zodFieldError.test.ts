import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, InputError } from '../../lib/core/errors.js';
import { fieldProblem, zodConfigError, zodInputError } from '../../lib/core/zodFieldError.js';

const schema = z.strictObject({ name: z.string(), inner: z.strictObject({ port: z.number() }) });
const errorOf = (input: unknown) => {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected a failure');
  return result.error;
};

describe('zod errors as field errors', () => {
  it('names the field under the prefix, joined with a dot unless told', () => {
    const error = errorOf({ name: 'a', inner: { port: 'x' } });
    expect(zodInputError(error, { prefix: 'event' }).message).toMatch(/^event\.inner\.port: /);
    expect(zodConfigError(error, { prefix: '--store', joiner: ' ' }).message).toMatch(
      /^--store inner\.port: /,
    );
    expect(zodInputError(error)).toBeInstanceOf(InputError);
    expect(zodConfigError(error)).toBeInstanceOf(ConfigError);
  });

  it('names the root "(root)" without a prefix, the prefix alone with one, or what the caller says', () => {
    const error = z.string().safeParse(1).error!;
    expect(fieldProblem(error).field).toBe('(root)');
    expect(fieldProblem(error, { prefix: 'registry' }).field).toBe('registry');
    expect(fieldProblem(error, { root: '(event)' }).field).toBe('(event)');
    expect(fieldProblem(error, { prefix: 'event', root: '(root)' }).field).toBe('event.(root)');
  });

  it('explains an unknown field with the closest known name, or names it, or names its parent', () => {
    const error = errorOf({ name: 'a', inner: { port: 1, prot: 1 } });
    expect(zodConfigError(error, { unknown: 'explain', schema }).message).toBe(
      'inner.prot: unknown field; did you mean "port"?',
    );
    expect(fieldProblem(error, { unknown: 'name' }).field).toBe('inner.prot');
    expect(fieldProblem(error).field).toBe('inner');
  });

  it('says a field absent from the given input is required', () => {
    const input = { inner: { port: 1 } };
    expect(fieldProblem(errorOf(input), { input }).reason).toBe('is required');
    expect(fieldProblem(errorOf(input)).reason).not.toBe('is required');
  });

  it('attaches the zod error as the cause unless told not to', () => {
    const error = errorOf({});
    expect(zodInputError(error).cause).toBe(error);
    expect(zodInputError(error, {}, false).cause).toBeUndefined();
  });
});
