import { rotationHandler } from '../lib/aws/rotationLambda.js';

/**
 * Secrets Manager rotation function for hmac secrets. Input: the rotation event
 * {Step, SecretId, ClientRequestToken} (lib/aws/events/secretsManager.ts); one idempotent step per
 * invocation. Logs ids and steps only, never secret values.
 */
export const handler = rotationHandler('hmac');
