import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseReplayEvent, type ReplayEnvironment, runReplayRequest } from '../jobs/replayRequest.js';

export interface ReplayHandlerResult {
  reportId: string;
  outcome: 'passed' | 'failed' | 'inconclusive';
  location: string;
  digest: string | null;
  /** True when this invocation was a redelivery and returned the earlier run's report. */
  repeated: boolean;
}

/** The replay rehearsal Lambda: parse the event with zod, run the job, return the outcome for the state machine. */
export function createReplayHandler(
  environment: (system: string | undefined) => ReplayEnvironment | Promise<ReplayEnvironment>,
) {
  return middy(async (event: unknown, context: Context): Promise<ReplayHandlerResult> => {
    const { request, runId } = parseReplayEvent(event);
    const { report, location, repeated } = await runReplayRequest(
      request,
      runId ?? context.awsRequestId,
      await environment(request.system),
    );
    return {
      reportId: report.id,
      outcome: report.outcome,
      location,
      digest: report.replay?.digest || null,
      repeated,
    };
  });
}
