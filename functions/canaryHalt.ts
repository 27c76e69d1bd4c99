import middy from '@middy/core';
import { type AlarmStateChangeEvent, alarmStateChangeEventSchema } from '../lib/core/canary/alarmEvent.js';
import { DrillbookError, InputError } from '../lib/core/errors.js';
import { runCanaryHalt } from '../lib/jobs/canaryHalt.js';
import { canaryAwsDeps, logger, zodEvent } from './canaryWiring.js';

/** The halt did not complete (a stop failed): thrown so Lambda retries the async invocation. */
export class CanaryHaltFailedError extends DrillbookError {}

/** EventBridge "CloudWatch Alarm State Change" -> stop the guarded in-flight CodeDeploy deployments. */
export const handler = middy<AlarmStateChangeEvent>()
  .use(zodEvent(alarmStateChangeEventSchema, 'event'))
  .use({
    onError: (request) => {
      // A malformed event never becomes valid on retry: log it and answer, do not throw.
      if (request.error instanceof InputError) {
        logger.error('rejected event', { error: request.error.message });
        request.response = { action: 'rejected', error: request.error.message };
      }
    },
  })
  .handler(async (event) => {
    const deps = canaryAwsDeps();
    const result = await runCanaryHalt(event, deps);
    const summary = {
      action: result.action,
      alarm: result.transition.alarmName,
      state: result.transition.state,
      stopped: result.stopped,
      report: result.location,
      outcome: result.report?.outcome ?? null,
    };
    logger.info('canary halt', summary);
    if (result.report?.outcome === 'failed') {
      throw new CanaryHaltFailedError(`canary halt failed: ${result.report.reason ?? 'see report'}`);
    }
    return summary;
  });
