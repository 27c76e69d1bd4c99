import { randomBytes } from 'node:crypto';
import { describeError } from '../../core/errors.js';
import type { RunRecorder } from '../../core/recorder.js';
import type { Report } from '../../core/report.js';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type RotationStep,
  rotationSteps,
  stuckPendingVersion,
  versionWithStage,
} from '../../core/rotation/stages.js';
import type { Chat, Metrics, Progress, RunbookStore, SecretStore } from '../../ports.js';
import { silentProgress } from '../../ports.js';
import { publishReport } from '../publish.js';
import { startRun } from '../startRun.js';
import { type RotationStrategy, runRotationStep } from './engine.js';

/** Starts a rotation the way RotateSecret does and returns the token (reusing an unfinished one). */
export type RotationStarter = (secretId: string) => Promise<{ token: string; resumed: boolean }>;

export interface RotateSecretDeps {
  store: SecretStore;
  strategy: RotationStrategy;
  start: RotationStarter;
  runbook: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  /** Where publishing problems are noted (chat/metrics failures never fail the job). */
  warn?: (message: string) => void;
  log?: (message: string) => void;
  progress?: Progress;
  now?: () => Date;
  /** Called after each step succeeds (tests inject failures here). */
  afterStep?: (step: RotationStep) => Promise<void> | void;
}

export interface RotateSecretInput {
  secretId: string;
  system: string;
  environment: string;
}

/**
 * One full rotation on this machine, playing Secrets Manager's part: label a pending version,
 * then run createSecret, setSecret, testSecret and finishSecret (the same step code the Lambda
 * handlers run). A rotation left unfinished is resumed with its own token. Always ends with a
 * "secret-rotation" report; secret values never reach the report or the log.
 */
export async function rotateSecret(
  input: RotateSecretInput,
  deps: RotateSecretDeps,
): Promise<{ report: Report; location: string }> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => {});
  const progress = deps.progress ?? silentProgress;
  const recorder = startRun('secret-rotation', input, {
    now,
    idSuffix: `${randomBytes(3).toString('hex')}-${input.secretId}`,
    details: { secretId: input.secretId },
  });
  recorder.details['type'] = deps.strategy.type;
  try {
    const before = await deps.store.describe(input.secretId);
    const previousCurrent = versionWithStage(before.versions, AWSCURRENT);
    recorder.details['previousVersionId'] = previousCurrent ?? null;
    const currentValue =
      previousCurrent !== undefined
        ? (await deps.store.getValue(input.secretId, { stage: AWSCURRENT })).value
        : undefined;
    if (deps.strategy.reportFacts && currentValue !== undefined) {
      Object.assign(recorder.details, deps.strategy.reportFacts(currentValue));
    }
    // Not yet: starting now would only fail testSecret and leave AWSPENDING behind. An unfinished
    // rotation is still resumed (its pending value exists; testSecret says when it can finish).
    const wait =
      currentValue !== undefined && stuckPendingVersion(before.versions) === undefined
        ? deps.strategy.readiness?.(currentValue, now())
        : null;
    if (wait) {
      recorder.details['deferredUntil'] = wait.readyAt.toISOString();
      recorder.check('current secret', 'passed', 'AWSCURRENT is valid and no rotation is pending');
      recorder.check(
        'rotation deferred',
        'skipped',
        `${wait.reason}: no rotation started; run it again after ${wait.readyAt.toISOString()}`,
      );
      recorder.details['summary'] =
        `rotation of ${input.secretId} deferred until ${wait.readyAt.toISOString()}: the next key is still reaching verifiers`;
      return await finishAndPublish(recorder, deps);
    }
    const { token, resumed } = await recorder.phase('start', () => deps.start(input.secretId));
    recorder.details['token'] = token;
    recorder.details['resumed'] = resumed;
    if (resumed) progress.step(`resuming the unfinished rotation ${token} of ${input.secretId}`);
    for (const step of rotationSteps) {
      progress.step(`${step} ${input.secretId}`);
      const result = await recorder.phase(step, () =>
        runRotationStep(
          { Step: step, SecretId: input.secretId, ClientRequestToken: token },
          { ...deps, log, now },
        ),
      );
      recorder.check(step, 'passed', result);
      await deps.afterStep?.(step);
    }
    const after = await deps.store.describe(input.secretId);
    const current = versionWithStage(after.versions, AWSCURRENT);
    recorder.check(
      'AWSCURRENT on the new version',
      current === token ? 'passed' : 'failed',
      `AWSCURRENT is on ${current ?? 'no version'}, rotation token ${token}`,
    );
    const previous = versionWithStage(after.versions, AWSPREVIOUS);
    recorder.check(
      'AWSPREVIOUS on the old version',
      previousCurrent === undefined || previous === previousCurrent || resumed ? 'passed' : 'failed',
      `AWSPREVIOUS is on ${previous ?? 'no version'}`,
    );
    const stuck = stuckPendingVersion(after.versions);
    const pendingLeft = versionWithStage(after.versions, AWSPENDING);
    recorder.check(
      'no rotation left pending',
      stuck === undefined && pendingLeft === undefined ? 'passed' : 'failed',
      pendingLeft === undefined ? 'AWSPENDING removed' : `AWSPENDING still on ${pendingLeft}`,
    );
    recorder.details['currentVersionId'] = current ?? null;
  } catch (error) {
    recorder.fail(error);
    log(`rotation of ${input.secretId} failed: ${describeError(error)}`);
  }
  return finishAndPublish(recorder, deps);
}

async function finishAndPublish(
  recorder: RunRecorder,
  deps: RotateSecretDeps,
): Promise<{ report: Report; location: string }> {
  const report = recorder.finish();
  const location = await publishReport(report, deps);
  return { report, location };
}
