import { canaryHaltHandler } from '../lib/aws/canaryHandlers.js';

/** EventBridge "CloudWatch Alarm State Change" -> stop the guarded in-flight CodeDeploy deployments. */
export const handler = canaryHaltHandler;
