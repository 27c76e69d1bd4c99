import { randomBytes } from 'node:crypto';
import type { Report } from '../../core/report.js';
import {
  AWSCURRENT,
  stuckPendingVersion,
  stuckRotation,
  versionWithStage,
} from '../../core/rotation/stages.js';
import { waitFor } from '../../core/wait.js';
import type { SecretStore } from '../../ports.js';
import { type Publishers, publishReport } from '../publish.js';
import { startRun } from '../startRun.js';

export interface RequestRotationDeps {
  store: SecretStore;
  /** RotateSecret: returns the new version id (the rotation token). */
  request: (secretId: string) => Promise<string>;
  publishers: Publishers;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  now?: () => Date;
  /** An unfinished rotation this old is stuck and reported; a younger one is joined. Default 24. */
  stuckAfterHours?: number;
}

/**
 * `drillbook rotate --target aws`: asks Secrets Manager to rotate (it invokes the rotation
 * function for the four steps) and waits, bounded, until the new version is AWSCURRENT. A
 * rotation already stuck (AWSPENDING older than `stuckAfterHours`) is reported instead of
 * requested (RotateSecret would refuse it); a younger one is running now and is waited for.
 */
export async function requestRotation(
  input: { secretId: string; system: string; environment: string },
  deps: RequestRotationDeps,
): Promise<{ report: Report; location: string }> {
  const now = deps.now ?? (() => new Date());
  const recorder = startRun('secret-rotation', input, {
    now,
    idSuffix: `${randomBytes(3).toString('hex')}-${input.secretId}`,
    details: { secretId: input.secretId },
  });
  try {
    const before = await recorder.phase('describe', () => deps.store.describe(input.secretId));
    recorder.details['previousVersionId'] = versionWithStage(before.versions, AWSCURRENT) ?? null;
    const running = stuckPendingVersion(before.versions);
    const stuck = stuckRotation(before.versions, before.pendingSince, now(), deps.stuckAfterHours);
    const since = before.pendingSince ? ` since ${before.pendingSince.toISOString()}` : '';
    if (stuck !== undefined) {
      recorder.check(
        'no rotation in progress',
        'failed',
        `AWSPENDING is on version ${stuck}${since}: a rotation did not finish`,
      );
    } else if (!before.rotationEnabled) {
      recorder.check('rotation enabled', 'failed', 'rotation is disabled for this secret');
    } else {
      // A rotation running now (RotateSecret would refuse a second one): wait for it instead.
      const token = running ?? (await recorder.phase('RotateSecret', () => deps.request(input.secretId)));
      if (running !== undefined) {
        recorder.details['joined'] = true;
        recorder.check(
          'rotation in progress',
          'skipped',
          `joined the rotation of version ${running}${since}`,
        );
      }
      recorder.details['token'] = token;
      await recorder.phase('wait for AWSCURRENT', () =>
        waitFor(
          `version ${token} of ${input.secretId} to become AWSCURRENT`,
          async () =>
            (await deps.store.describe(input.secretId)).versions[token]?.includes(AWSCURRENT)
              ? true
              : undefined,
          {
            timeoutMs: deps.timeoutMs,
            intervalMs: deps.intervalMs ?? 2000,
            ...(deps.signal ? { signal: deps.signal } : {}),
          },
        ),
      );
      recorder.check('AWSCURRENT on the new version', 'passed', `version ${token} is AWSCURRENT`);
    }
  } catch (error) {
    recorder.fail(error);
  }
  const report = recorder.finish();
  const location = await publishReport(report, deps.publishers);
  return { report, location };
}
