import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DrillbookError } from '../core/errors.js';
import {
  type ExecutionEvent,
  isFinalStatus,
  type ReportPointer,
  reportPointer,
} from '../core/executionHistory.js';
import { sleep as realSleep } from '../core/wait.js';
import { isRetryableAwsError, type RetryPolicy, withThrottleRetry } from './retry.js';

/** Polling a running execution failed more times in a row than allowed. */
export class ExecutionFollowError extends DrillbookError {}

export interface FollowOptions {
  /** Pause between polls (DescribeExecution + new history events). */
  pollMs: number;
  /** Stop following (the execution keeps running) after this long. */
  timeoutMs: number;
  /** Called once per history event, in order. */
  onEvent: (event: ExecutionEvent) => void;
  /** Consecutive throttled/5xx polls tolerated before giving up (default 5). */
  maxPollFailures?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
  /** Retry policy of StartExecution (idempotent: same name and input give the same execution). */
  startRetry?: RetryPolicy;
}

export interface FollowResult {
  executionArn: string;
  /** The execution's status, or RUNNING when following timed out. */
  status: string;
  timedOut: boolean;
  error?: string | undefined;
  cause?: string | undefined;
  report: ReportPointer | null;
}

/** Events page size: GetExecutionHistory allows up to 1000. */
const PAGE = 200;

/**
 * The events after `lastId`, oldest first: pages newest-first (reverseOrder) and stops at the
 * first page that reaches an event already seen, so a long execution costs one page per poll.
 */
async function eventsAfter(client: SFNClient, executionArn: string, lastId: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const out = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: PAGE,
        includeExecutionData: true,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const event of out.events ?? []) {
      if ((event.id ?? 0) <= lastId) return fresh.reverse();
      fresh.push(event);
    }
    nextToken = out.nextToken;
    if (!nextToken) return fresh.reverse();
  }
  throw new ExecutionFollowError(`history of ${executionArn} did not end after 10000 pages`);
}

/** StartExecution, then {@link followExecution}. */
export async function startAndFollow(
  client: SFNClient,
  request: { stateMachineArn: string; name: string; input: unknown },
  options: FollowOptions,
): Promise<FollowResult & { startDate: Date | undefined }> {
  const started = await withThrottleRetry(
    'StartExecution',
    () =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn: request.stateMachineArn,
          name: request.name,
          input: JSON.stringify(request.input),
        }),
      ),
    options.startRetry,
  );
  if (!started.executionArn) throw new ExecutionFollowError('StartExecution returned no executionArn');
  const result = await followExecution(client, started.executionArn, options);
  return { ...result, startDate: started.startDate };
}

/**
 * Follows an execution until it is no longer RUNNING or `timeoutMs` passes, reporting every
 * history event once. A throttled or failed poll is retried at the next interval, at most
 * `maxPollFailures` times in a row.
 */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  options: FollowOptions,
): Promise<FollowResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const maxFailures = options.maxPollFailures ?? 5;
  const deadline = now() + options.timeoutMs;
  const seen: ExecutionEvent[] = [];
  let lastId = 0;
  let failures = 0;
  for (;;) {
    let described: DescribeExecutionCommandOutput | undefined;
    try {
      // Describe first: when it says finished, the history read after it is complete.
      described = await client.send(new DescribeExecutionCommand({ executionArn }));
      for (const event of await eventsAfter(client, executionArn, lastId)) {
        const e = { ...event, id: event.id ?? lastId + 1 } as ExecutionEvent;
        lastId = e.id;
        seen.push(e);
        options.onEvent(e);
      }
      failures = 0;
    } catch (error) {
      if (!isRetryableAwsError(error)) throw error;
      failures += 1;
      if (failures >= maxFailures) {
        throw new ExecutionFollowError(`following ${executionArn}: ${failures} polls in a row failed`, {
          cause: error,
        });
      }
      described = undefined;
    }
    if (described && isFinalStatus(described.status)) {
      return {
        executionArn,
        status: described.status ?? 'UNKNOWN',
        timedOut: false,
        error: described.error,
        cause: described.cause,
        report: reportPointer(described.output, seen),
      };
    }
    if (now() >= deadline) {
      return { executionArn, status: 'RUNNING', timedOut: true, report: reportPointer(undefined, seen) };
    }
    await sleep(options.pollMs, options.signal);
  }
}
