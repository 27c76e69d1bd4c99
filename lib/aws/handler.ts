import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { Progress } from '../ports.js';
import { asStepError } from './retry.js';

const logger = new Logger({ serviceName: 'drillbook' });

/** Progress lines as structured log entries (never secret: only ids, states and counts). */
export const logProgress: Progress = { step: (message) => logger.info(message) };

/** Parses a step's event; a bad one is an InputError naming the first offending field. */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown): z.infer<T> {
  const result = schema.safeParse(event);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = [
      ...(issue?.path ?? []),
      ...(issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : []),
    ];
    const field = path.length ? path.map(String).join('.') : '(event)';
    throw new InputError(field, issue?.message ?? 'invalid', { cause: result.error });
  }
  return result.data;
}

/**
 * A thin Lambda handler: zod-parse the event, call lib/, and rethrow transient AWS failures as
 * TransientAwsError so the state machine's bounded Retry (full jitter) runs the step again.
 */
export function stepHandler<S extends z.ZodType, R>(schema: S, run: (input: z.infer<S>) => Promise<R>) {
  const handle = async (event: unknown): Promise<R> => {
    try {
      return await run(parseEvent(schema, event));
    } catch (error) {
      throw asStepError(error);
    }
  };
  return Object.assign(middy(handle), { run: handle });
}
