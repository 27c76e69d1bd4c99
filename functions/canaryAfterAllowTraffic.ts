import { hookHandler } from '../lib/aws/canaryHandlers.js';
import { runAfterAllowTraffic } from '../lib/jobs/canary/canaryHooks.js';

/** CodeDeploy AfterAllowTraffic hook: canary judge, then always PutLifecycleEventHookExecutionStatus. */
export const handler = hookHandler('AfterAllowTraffic', runAfterAllowTraffic);
