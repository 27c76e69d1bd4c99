import {
  type ReplayEnvironment,
  type ReplayRequest,
  runReplayRequest,
} from '../../jobs/replay/replayRequest.js';
import { parseReplayEvent } from '../events/stepFunctions.js';
import { lambdaHandler } from '../handler.js';

export interface ReplayRehearsalStepResult {
  reportId: string;
  outcome: 'passed' | 'failed' | 'inconclusive';
  location: string;
  digest: string | null;
  /** True when this invocation was a redelivery and returned the earlier run's report. */
  repeated: boolean;
}

/** The ReplayRehearsal state: runs the rehearsal, returns the outcome (its Passed? Choice reads `outcome`). */
export async function replayRehearsal(
  request: ReplayRequest,
  runId: string,
  environment: ReplayEnvironment,
): Promise<ReplayRehearsalStepResult> {
  const { report, location, repeated } = await runReplayRequest(request, runId, environment);
  return {
    reportId: report.id,
    outcome: report.outcome,
    location,
    digest: report.replay?.digest || null,
    repeated,
  };
}

/**
 * The replayRehearsal Lambda: the handler stack parses the event (`{request, runId}` from the state
 * machine, or a bare request), the environment is resolved for the request's system, then the step
 * runs (run id: the execution name, else the Lambda request id).
 */
export function replayRehearsalHandler(
  environment: (system: string | undefined) => ReplayEnvironment | Promise<ReplayEnvironment>,
) {
  return lambdaHandler({ parse: parseReplayEvent }, async ({ request, runId }, context) =>
    replayRehearsal(request, runId ?? context.awsRequestId, await environment(request.system)),
  );
}
