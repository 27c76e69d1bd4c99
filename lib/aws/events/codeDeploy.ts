import { z } from 'zod';

/** What CodeDeploy sends a Lambda lifecycle hook (BeforeAllowTraffic / AfterAllowTraffic). */
export const lifecycleHookEventSchema = z.object({
  DeploymentId: z.string().regex(/^d-[A-Z0-9]+$/, 'must be a CodeDeploy deployment id like d-ABCDEF123'),
  LifecycleEventHookExecutionId: z.string().min(1),
});
export type LifecycleHookEvent = z.infer<typeof lifecycleHookEventSchema>;
