import middy from '@middy/core';
import { ConfigError } from '../lib/core/errors.js';
import { HttpSmokeProber } from '../lib/http/httpProbes.js';
import { runAfterAllowTraffic } from '../lib/jobs/canaryHooks.js';
import { type LifecycleHookEvent, lifecycleHookEventSchema } from './canaryHookEvent.js';
import { canaryAwsDeps, logger, zodEvent } from './canaryWiring.js';

/** CodeDeploy AfterAllowTraffic hook: judge, then always answer PutLifecycleEventHookExecutionStatus. */
export const handler = middy<LifecycleHookEvent>()
  .use(zodEvent(lifecycleHookEventSchema, 'event'))
  .use({
    onError: (request) => {
      // Without a valid DeploymentId/LifecycleEventHookExecutionId there is no one to answer;
      // CodeDeploy fails the hook on its own timeout.
      if (request.error instanceof ConfigError) {
        logger.error('rejected hook event', { error: request.error.message });
        request.response = { status: 'rejected', error: request.error.message };
      }
    },
  })
  .handler(async (event, context) => {
    const deps = canaryAwsDeps();
    const result = await runAfterAllowTraffic(
      { deploymentId: event.DeploymentId, hookExecutionId: event.LifecycleEventHookExecutionId },
      {
        ...deps,
        prober: new HttpSmokeProber(),
        signal: AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 5000)),
      },
    );
    logger.info('canary hook', { hook: 'AfterAllowTraffic', status: result.status, report: result.location });
    return { status: result.status, report: result.location };
  });
