import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import middy from '@middy/core';
import { type AlarmStateChangeEvent, alarmStateChangeEventSchema } from '../core/canary/alarmEvent.js';
import { ConfigError, DrillbookError, describeError, InputError } from '../core/errors.js';
import { runCanaryHalt } from '../jobs/canaryHalt.js';
import type { CanaryHookDeps, CanaryHookResult, HookInvocation, HookName } from '../jobs/canaryHooks.js';
import { httpAttempt, RetryingSmokeProber } from '../probes/smokeProber.js';
import { canaryAwsDeps, logger, zodEvent } from './canaryWiring.js';
import { CodeDeployDeployments } from './codeDeployDeployments.js';
import { type LifecycleHookEvent, lifecycleHookEventSchema } from './events/codeDeploy.js';
import { lambdaInvokeAttempt } from './lambdaInvokeProbe.js';

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
        await new CodeDeployDeployments(new CodeDeployClient({ maxAttempts: 1 })).putHookStatus(
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
          invoke: lambdaInvokeAttempt(new LambdaClient({ maxAttempts: 3 })),
        }),
        signal: AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 5000)),
      });
      logger.info('canary hook', { hook: name, status: result.status, report: result.location });
      return { status: result.status, report: result.location };
    });
}

/** The halt did not complete (a stop failed): thrown so Lambda retries the async invocation. */
export class CanaryHaltFailedError extends DrillbookError {}

/** EventBridge "CloudWatch Alarm State Change" -> stop the guarded in-flight CodeDeploy deployments. */
export const canaryHaltHandler = middy<AlarmStateChangeEvent>()
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
