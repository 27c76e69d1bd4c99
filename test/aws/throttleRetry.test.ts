import { describe, expect, it } from 'vitest';
import { AwsCallError, isRetryableAwsError, withThrottleRetry } from '../../lib/aws/retry.js';
import { throttlingError } from '../helpers/codeDeployWorld.js';

describe('withThrottleRetry', () => {
  it('retries throttling with growing, capped waits and stops at the bound', async () => {
    const waits: number[] = [];
    let calls = 0;
    const failing = withThrottleRetry(
      'codedeploy:ListDeployments',
      async () => {
        calls++;
        throw throttlingError();
      },
      { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms) => void waits.push(ms) },
    );
    await expect(failing).rejects.toBeInstanceOf(AwsCallError);
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    expect(waits.every((w, i) => w >= 0 && w <= Math.min(250, 100 * 2 ** i))).toBe(true);
  });

  it('does not retry an error that is not retryable', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('denied'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      withThrottleRetry(
        'x',
        async () => {
          calls++;
          throw denied;
        },
        { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('classifies throttling, $retryable and 5xx as retryable', () => {
    expect(isRetryableAwsError(throttlingError())).toBe(true);
    expect(isRetryableAwsError({ name: 'Whatever', $retryable: {} })).toBe(true);
    expect(isRetryableAwsError({ name: 'InternalFailure', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryableAwsError({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })).toBe(
      false,
    );
    expect(isRetryableAwsError('boom')).toBe(false);
  });
});
