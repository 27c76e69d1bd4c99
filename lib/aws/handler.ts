import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { InputError } from '../core/errors.js';
import { zodInputError } from '../core/zodFieldError.js';
import type { Progress } from '../ports.js';
import { asStepError } from './retry.js';

/**
 * The one Logger of every Lambda handler. The handler stack adds the invocation's context
 * (request id, function name, cold start) to each entry, as Powertools' injectLambdaContext does.
 */
export const logger = new Logger({ serviceName: 'drillbook' });

/** Progress lines as structured log entries (never secret: only ids, states and counts). */
export const logProgress: Progress = { step: (message) => logger.info(message) };

/** Parses a step's event; a bad one is an InputError naming the first offending field. */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown): z.infer<T> {
  const result = schema.safeParse(event);
  if (!result.success) throw zodInputError(result.error, { unknown: 'name', root: '(event)' });
  return result.data;
}

/** Turns the raw event into the handler's input; throws an InputError naming the field (lib/aws/events/). */
export type EventParser<T> = (event: unknown) => T;

/**
 * What a handler does with an event it cannot parse. Without a policy the InputError is thrown (the
 * caller sees the failure: a state machine's Catch, a Secrets Manager retry). With one, the error
 * is logged and the policy's answer returned: for sources whose retries would never fix the event.
 */
export interface RejectBadEvent<R> {
  log: string;
  answer: (error: InputError) => R;
}

export interface HandlerOptions<T, R> {
  parse: EventParser<T>;
  rejectBadEvent?: RejectBadEvent<R>;
}

/** Middy middleware: the parsed event replaces the raw one, as Powertools' parser middleware does. */
export function parsedEvent<T>(parse: EventParser<T>): MiddlewareObj {
  return {
    before: (request) => {
      request.event = parse(request.event);
    },
  };
}

/** Middy middleware: the reject-bad-event policy (see RejectBadEvent). */
export function rejectBadEvent<R>(policy: RejectBadEvent<R>): MiddlewareObj {
  return {
    onError: (request) => {
      if (request.error instanceof InputError) {
        logger.error(policy.log, { error: request.error.message });
        request.response = policy.answer(request.error);
      }
    },
  };
}

/**
 * The one handler stack of every Lambda function: the logger's invocation context, the event
 * parser and, when given, the reject-bad-event policy; then `run` gets the parsed event.
 */
export function lambdaHandler<T, R>(
  options: HandlerOptions<T, R>,
  run: (event: T, context: Context) => Promise<R>,
) {
  // Callers pass the raw event (unknown); by the time `run` is called, parsedEvent has replaced it.
  const stack = middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(parsedEvent(options.parse));
  if (options.rejectBadEvent) stack.use(rejectBadEvent(options.rejectBadEvent));
  return stack.handler((event, context) => run(event as T, context));
}

/**
 * A state machine step: the handler stack with its event parsed by a zod schema, and transient
 * AWS failures rethrown as TransientAwsError so the state machine's bounded Retry (full jitter)
 * runs the step again. `run` is the same without the stack (tests).
 */
export function stepHandler<S extends z.ZodType, R>(schema: S, run: (input: z.infer<S>) => Promise<R>) {
  const step = async (input: z.infer<S>): Promise<R> => {
    try {
      return await run(input);
    } catch (error) {
      throw asStepError(error);
    }
  };
  const handle = async (event: unknown): Promise<R> => step(parseEvent(schema, event));
  return Object.assign(lambdaHandler({ parse: (event) => parseEvent(schema, event) }, step), { run: handle });
}
