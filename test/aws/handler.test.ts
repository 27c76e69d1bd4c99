import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { lambdaHandler, logger, parseEvent, stepHandler } from '../../lib/aws/handler.js';
import { InputError } from '../../lib/core/errors.js';

const schema = z.object({ system: z.string().min(1) });
const parse = (event: unknown) => parseEvent(schema, event);
const context = { functionName: 'drillbook-test-fn', awsRequestId: 'req-1' } as Context;

describe('lambdaHandler (the one handler stack)', () => {
  it('hands run the parsed event, not the raw one', async () => {
    const handler = lambdaHandler({ parse }, async (event) => ({ got: event }));
    expect(await handler({ system: 'shop', extra: 1 }, context)).toEqual({ got: { system: 'shop' } });
  });

  it('throws the InputError naming the field when there is no reject policy', async () => {
    const run = vi.fn(async () => 'ran');
    const handler = lambdaHandler({ parse }, run);
    const error = await handler({ system: '' }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/system/);
    expect(run).not.toHaveBeenCalled();
  });

  it('answers with the reject policy and logs the rejection instead of throwing', async () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => {});
    const handler = lambdaHandler(
      { parse, rejectBadEvent: { log: 'rejected test event', answer: (e) => ({ rejected: e.message }) } },
      async () => ({ rejected: 'never' }),
    );
    const answer = await handler({}, context);
    expect(answer.rejected).toMatch(/system/);
    expect(logged).toHaveBeenCalledWith('rejected test event', { error: answer.rejected });
    logged.mockRestore();
  });

  it('adds the invocation context to the logger (injectLambdaContext), and runs without one (local runs)', async () => {
    const added = vi.spyOn(logger, 'addContext');
    const handler = lambdaHandler({ parse }, async () => 'ok');
    expect(await handler({ system: 'shop' }, context)).toBe('ok');
    expect(added).toHaveBeenCalledWith(context);
    const withoutContext = handler as unknown as (event: unknown) => Promise<string>;
    expect(await withoutContext({ system: 'shop' })).toBe('ok');
    added.mockRestore();
  });
});

describe('stepHandler', () => {
  it('is the same stack: a bad step event is an InputError, `run` skips the stack', async () => {
    const handler = stepHandler(schema, async (input) => input.system);
    expect(await handler({ system: 'shop' }, context)).toBe('shop');
    expect(await handler.run({ system: 'shop' })).toBe('shop');
    await expect(handler({}, context)).rejects.toBeInstanceOf(InputError);
  });
});
