import { z } from 'zod';
import { canaryEventParser } from './canaryEventParser.js';

/**
 * What CodeDeploy sends a Lambda lifecycle hook (BeforeAllowTraffic / AfterAllowTraffic).
 * @example { "DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "eyJlbmNyeXB0ZWREYXRhIjoi..." }
 */
export const lifecycleHookEventSchema = z.object({
  DeploymentId: z.string().regex(/^d-[A-Z0-9]+$/, 'must be a CodeDeploy deployment id like d-ABCDEF123'),
  LifecycleEventHookExecutionId: z.string().min(1),
});
export type LifecycleHookEvent = z.infer<typeof lifecycleHookEventSchema>;

export const parseLifecycleHookEvent = canaryEventParser(lifecycleHookEventSchema);
