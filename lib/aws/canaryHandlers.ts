import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigError, DrillbookError, describeError } from '../core/errors.js';
import { runCanaryHalt } from '../jobs/canary/canaryHalt.js';
import type {
  CanaryHookDeps,
  CanaryHookResult,
  HookInvocation,
  HookName,
} from '../jobs/canary/canaryHooks.js';
import { httpAttempt, RetryingSmokeProber } from '../probes/smokeProber.js';
import { canaryAwsDeps } from './canaryWiring.js';
import { createClient } from './clients.js';
import { CodeDeployDeployments } from './codeDeployDeployments.js';
import { parseLifecycleHookEvent } from './events/codeDeploy.js';
import { parseAlarmStateChangeEvent } from './events/eventBridge.js';
import { lambdaHandler, logger } from './handler.js';
import { lambdaInvokeAttempt } from './lambdaInvokeProbe.js';

/** What a hook handler returns: the hook's status and report, or the rejection of a bad event. */
type HookAnswer = { status: string; report?: string | null; error?: string };
/** What the halt handler returns: the summary of the halt, or the rejection of a bad event. */
type HaltAnswer = Record<string, unknown>;

type RunHook = (hook: HookInvocation, deps: CanaryHookDeps) => Promise<CanaryHookResult>;

/**
 * A CodeDeploy lifecycle hook handler: parse the event, run the hook, and answer CodeDeploy in
 * every case it can: a broken configuration still answers Failed (then throws, to be seen).
 */
export function hookHandler(name: HookName, run: RunHook) {
  return lambdaHandler(
    {
      parse: parseLifecycleHookEvent,
      // Without a valid DeploymentId/LifecycleEventHookExecutionId there is no one to answer;
      // CodeDeploy fails the hook on its own timeout.
      rejectBadEvent: {
        log: 'rejected hook event',
        answer: (error): HookAnswer => ({ status: 'rejected', error: error.message }),
      },
    },
    async (event, context): Promise<HookAnswer> => {
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
        await new CodeDeployDeployments(createClient(CodeDeployClient, { purpose: 'canary' })).putHookStatus(
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
          invoke: lambdaInvokeAttempt(createClient(LambdaClient, { purpose: 'canaryProbe' })),
        }),
        signal: AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 5000)),
      });
      logger.info('canary hook', { hook: name, status: result.status, report: result.location });
      return { status: result.status, report: result.location };
    },
  );
}

/** The halt did not complete (a stop failed): thrown so Lambda retries the async invocation. */
export class CanaryHaltFailedError extends DrillbookError {}

/** EventBridge "CloudWatch Alarm State Change" -> stop the guarded in-flight CodeDeploy deployments. */
export const canaryHaltHandler = lambdaHandler(
  {
    parse: parseAlarmStateChangeEvent,
    // A malformed event never becomes valid on retry: log it and answer, do not throw.
    rejectBadEvent: {
      log: 'rejected event',
      answer: (error): HaltAnswer => ({ action: 'rejected', error: error.message }),
    },
  },
  async (event): Promise<HaltAnswer> => {
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
  },
);
