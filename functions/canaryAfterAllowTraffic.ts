import { runAfterAllowTraffic } from '../lib/jobs/canaryHooks.js';
import { hookHandler } from './canaryHookHandler.js';

/** CodeDeploy AfterAllowTraffic hook: canary judge, then always PutLifecycleEventHookExecutionStatus. */
export const handler = hookHandler('AfterAllowTraffic', runAfterAllowTraffic);
