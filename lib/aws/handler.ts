import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { z } from 'zod';
import { zodInputError } from '../core/zodFieldError.js';
import type { Progress } from '../ports.js';
import { asStepError } from './retry.js';

const logger = new Logger({ serviceName: 'drillbook' });

/** Progress lines as structured log entries (never secret: only ids, states and counts). */
export const logProgress: Progress = { step: (message) => logger.info(message) };

/** Parses a step's event; a bad one is an InputError naming the first offending field. */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown): z.infer<T> {
  const result = schema.safeParse(event);
  if (!result.success) throw zodInputError(result.error, { unknown: 'name', root: '(event)' });
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
