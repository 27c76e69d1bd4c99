import { runBeforeAllowTraffic } from '../lib/jobs/canaryHooks.js';
import { hookHandler } from './canaryHookHandler.js';

/** CodeDeploy BeforeAllowTraffic hook: smoke probes, then always PutLifecycleEventHookExecutionStatus. */
export const handler = hookHandler('BeforeAllowTraffic', runBeforeAllowTraffic);
