import {
  RotationDisabledError,
  RotationStateError,
  RotationTestError,
  SecretNotFoundError,
} from '../../core/rotation/errors.js';
import {
  AWSCURRENT,
  AWSPENDING,
  finishMoves,
  type RotationStep,
  type StageMove,
  tokenDecision,
  versionWithStage,
} from '../../core/rotation/stages.js';
import type { SecretStore } from '../../ports.js';

export type RotationType = 'postgres' | 'jwt' | 'hmac';

/** What the steps hand a strategy. Values are secrets: never log them. */
export interface StepValues {
  secretId: string;
  token: string;
  current: string;
  pending: string;
  /** When the current version became AWSCURRENT (LastRotatedDate); null when never rotated or unknown. */
  currentSince: Date | null;
}

/** One kind of secret. The engine owns the staging labels; a strategy owns the values and the service. */
export interface RotationStrategy {
  readonly type: RotationType;
  /**
   * The pending value derived from the current one (no side effects; may be random).
   * `currentSince`: when the current version became AWSCURRENT (null when unknown).
   */
  createPending(current: string, now: Date, currentSince: Date | null): Promise<string>;
  /** Applies the pending value to the service. Must be idempotent. */
  setPending(values: StepValues, now: Date): Promise<void>;
  /** Proves the pending value works (and that switching to it breaks nothing). */
  testPending(values: StepValues, now: Date): Promise<void>;
  /**
   * Why a rotation should not start yet (e.g. the key that would sign was published less than
   * the verifiers' cache time ago) and when it can; null when it can start now.
   */
  readiness?(current: string, now: Date): { reason: string; readyAt: Date } | null;
  /** Facts for the report about how the rotation runs (e.g. which TLS mode applied). Never values. */
  reportFacts?(current: string): Record<string, string>;
}

export interface StepEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
}

export interface StepDeps {
  store: SecretStore;
  strategy: RotationStrategy;
  /** Messages only: secret ids, version ids, step names. Never values. */
  log: (message: string) => void;
  now?: () => Date;
}

export type StepResult = 'done' | 'already-done' | 'skipped-token-current';

/**
 * One step of the Secrets Manager rotation protocol, safe to run twice and to resume after a
 * failure at any point: every step first re-reads the labels and acts only on what is missing.
 */
export async function runRotationStep(event: StepEvent, deps: StepDeps): Promise<StepResult> {
  const { store, strategy, log } = deps;
  const now = deps.now ?? (() => new Date());
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const description = await store.describe(secretId);
  if (!description.rotationEnabled) {
    throw new RotationDisabledError(`rotation is disabled for secret ${description.name}`);
  }
  // finishSecret still tidies AWSPENDING when a crash hit between its two label moves.
  if (tokenDecision(description.versions, token) === 'done' && step !== 'finishSecret') {
    log(`${step}: version ${token} of ${description.name} is already AWSCURRENT; nothing to do`);
    return 'skipped-token-current';
  }
  const id = description.id;
  switch (step) {
    case 'createSecret': {
      const existing = await pendingValue(store, id, token);
      if (existing !== null) {
        log(`createSecret: pending version ${token} of ${description.name} already has a value`);
        return 'already-done';
      }
      const current = await store.getValue(id, { stage: AWSCURRENT });
      const pending = await strategy.createPending(current.value, now(), description.lastRotatedDate);
      try {
        await store.putValue(id, token, pending, [AWSPENDING]);
      } catch (error) {
        // A concurrent invocation stored its value first: a version is written once, and theirs stands.
        if ((await pendingValue(store, id, token)) === null) throw error;
        log(`createSecret: pending version ${token} of ${description.name} was stored meanwhile`);
        return 'already-done';
      }
      log(`createSecret: stored pending version ${token} of ${description.name}`);
      return 'done';
    }
    case 'setSecret': {
      await strategy.setPending(await values(store, id, token, description.lastRotatedDate), now());
      log(`setSecret: applied pending version ${token} of ${description.name} (${strategy.type})`);
      return 'done';
    }
    case 'testSecret': {
      const stepValues = await values(store, id, token, description.lastRotatedDate);
      for (const [fact, value] of Object.entries(strategy.reportFacts?.(stepValues.current) ?? {})) {
        log(`testSecret: ${fact} ${value}`);
      }
      await strategy.testPending(stepValues, now());
      log(`testSecret: pending version ${token} of ${description.name} works`);
      return 'done';
    }
    case 'finishSecret': {
      // Never promote a version that does not work: a driver may call finishSecret after a failed
      // (or skipped) testSecret. Once AWSCURRENT is on the token there is nothing left to protect.
      if (versionWithStage(description.versions, AWSCURRENT) !== token) {
        try {
          await strategy.testPending(await values(store, id, token, description.lastRotatedDate), now());
        } catch (error) {
          throw new RotationTestError(
            `finishSecret: pending version ${token} of ${description.name} does not work, AWSCURRENT not moved: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      // One move at a time, re-reading the labels in between: Secrets Manager may itself drop
      // AWSPENDING once AWSCURRENT moved, a crash between the moves must converge on resume, and a
      // concurrent invocation of this step may have made the move first (then ours is refused).
      let versions = description.versions;
      let moved = 0;
      for (let round = 0; round < 4; round++) {
        const move = finishMoves(versions, token)[0];
        if (!move) break;
        try {
          await store.updateStage(id, move);
          moved += 1;
        } catch (error) {
          const latest = (await store.describe(id)).versions;
          if (sameMove(finishMoves(latest, token)[0], move)) throw error;
          log(
            `finishSecret: labels of ${description.name} moved meanwhile (a concurrent invocation); re-reading`,
          );
        }
        versions = (await store.describe(id)).versions;
      }
      if (finishMoves(versions, token).length > 0) {
        throw new RotationStateError(`finishSecret: labels of ${description.name} did not converge`);
      }
      log(`finishSecret: version ${token} of ${description.name} is AWSCURRENT (${moved} label moves)`);
      return moved > 0 ? 'done' : 'already-done';
    }
  }
}

function sameMove(a: StageMove | undefined, b: StageMove): boolean {
  return (
    a !== undefined &&
    a.stage === b.stage &&
    a.moveToVersionId === b.moveToVersionId &&
    a.removeFromVersionId === b.removeFromVersionId
  );
}

async function pendingValue(store: SecretStore, id: string, token: string): Promise<string | null> {
  try {
    return (await store.getValue(id, { versionId: token, stage: AWSPENDING })).value;
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

async function values(
  store: SecretStore,
  id: string,
  token: string,
  currentSince: Date | null,
): Promise<StepValues> {
  const pending = await pendingValue(store, id, token);
  if (pending === null) {
    throw new SecretNotFoundError(`pending version ${token} has no value: run createSecret first`);
  }
  const current = await store.getValue(id, { stage: AWSCURRENT });
  return { secretId: id, token, current: current.value, pending, currentSince };
}
