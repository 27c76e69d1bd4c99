import { z } from 'zod';
import { rotationSteps } from '../../core/rotation/stages.js';
import { zodInputError } from '../../core/zodFieldError.js';

/**
 * The event Secrets Manager sends a rotation function, one step per invocation.
 * @example { "Step": "createSecret", "SecretId": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/jwt-AbCdEf",
 *   "ClientRequestToken": "3f1c2a9e-0d4b-4c7e-9a51-6b0f8e2d7c11" }
 */
export const rotationEventSchema = z.object({
  Step: z.enum(rotationSteps),
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
});
export type RotationEvent = z.infer<typeof rotationEventSchema>;

export function parseRotationEvent(event: unknown): RotationEvent {
  const parsed = rotationEventSchema.safeParse(event);
  if (!parsed.success) {
    const naming = { prefix: 'event', root: '(root)', fallback: 'invalid rotation event' };
    throw zodInputError(parsed.error, naming, false);
  }
  return parsed.data;
}
