import middy from '@middy/core';
import { codeDeployClient, lambdaClient, sdkRetryFor } from '../lib/aws/clients.js';
import { CodeDeployDeployments } from '../lib/aws/codeDeployDeployments.js';
import { lambdaInvokeAttempt } from '../lib/aws/lambdaInvokeProbe.js';
import { ConfigError, describeError, InputError } from '../lib/core/errors.js';
import type { CanaryHookDeps, CanaryHookResult, HookInvocation, HookName } from '../lib/jobs/canaryHooks.js';
import { httpAttempt, RetryingSmokeProber } from '../lib/probes/smokeProber.js';
import { type LifecycleHookEvent, lifecycleHookEventSchema } from './canaryHookEvent.js';
import { canaryAwsDeps, logger, zodEvent } from './canaryWiring.js';

type RunHook = (hook: HookInvocation, deps: CanaryHookDeps) => Promise<CanaryHookResult>;

/**
 * A CodeDeploy lifecycle hook handler: parse the event, run the hook, and answer CodeDeploy in
 * every case it can: a broken configuration still answers Failed (then throws, to be seen).
 */
export function hookHandler(name: HookName, run: RunHook) {
  return middy<LifecycleHookEvent>()
    .use(zodEvent(lifecycleHookEventSchema, 'event'))
    .use({
      onError: (request) => {
        // Without a valid DeploymentId/LifecycleEventHookExecutionId there is no one to answer;
        // CodeDeploy fails the hook on its own timeout.
        if (request.error instanceof InputError) {
          logger.error('rejected hook event', { error: request.error.message });
          request.response = { status: 'rejected', error: request.error.message };
        }
      },
    })
    .handler(async (event, context) => {
      const hook = { deploymentId: event.DeploymentId, hookExecutionId: event.LifecycleEventHookExecutionId };
      let deps: ReturnType<typeof canaryAwsDeps>;
      try {
        deps = canaryAwsDeps();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        logger.error('canary hook misconfigured: answering Failed', {
          hook: name,
          error: describeError(error),
        });
        await new CodeDeployDeployments(codeDeployClient(undefined, sdkRetryFor.canary)).putHookStatus(
          hook.deploymentId,
          hook.hookExecutionId,
          'Failed',
        );
        throw error;
      }
      const result = await run(hook, {
        ...deps,
        prober: new RetryingSmokeProber({
          http: httpAttempt(),
          invoke: lambdaInvokeAttempt(lambdaClient(undefined, sdkRetryFor.canaryProbe)),
        }),
        signal: AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 5000)),
      });
      logger.info('canary hook', { hook: name, status: result.status, report: result.location });
      return { status: result.status, report: result.location };
    });
}
