import type { ReplayEnvironment } from '../jobs/replay/replayRequest.js';
import { runReplayRequest } from '../jobs/replay/replayRequest.js';
import { parseReplayEvent } from './events/stepFunctions.js';
import { lambdaHandler } from './handler.js';

export interface ReplayHandlerResult {
  reportId: string;
  outcome: 'passed' | 'failed' | 'inconclusive';
  location: string;
  digest: string | null;
  /** True when this invocation was a redelivery and returned the earlier run's report. */
  repeated: boolean;
}

/** The replay rehearsal Lambda: the handler stack parses the event, then the job runs; returns the outcome. */
export function createReplayHandler(
  environment: (system: string | undefined) => ReplayEnvironment | Promise<ReplayEnvironment>,
) {
  return lambdaHandler(
    { parse: parseReplayEvent },
    async ({ request, runId }, context): Promise<ReplayHandlerResult> => {
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
    },
  );
}
