import { hookHandler } from '../lib/aws/canaryHandlers.js';
import { runBeforeAllowTraffic } from '../lib/jobs/canary/canaryHooks.js';

/** CodeDeploy BeforeAllowTraffic hook: smoke probes, then always PutLifecycleEventHookExecutionStatus. */
export const handler = hookHandler('BeforeAllowTraffic', runBeforeAllowTraffic);
