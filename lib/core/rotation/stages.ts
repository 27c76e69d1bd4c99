import { RotationStateError } from './errors.js';

/** Secrets Manager staging labels. */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** The rotation steps, in the order Secrets Manager invokes them. */
export const rotationSteps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof rotationSteps)[number];

/** DescribeSecret's VersionIdsToStages: version id -> its staging labels. */
export type VersionStages = Readonly<Record<string, readonly string[]>>;

export function versionWithStage(versions: VersionStages, stage: string): string | undefined {
  return Object.entries(versions).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * What a step should do with this token:
 * - "done": the token's version is already AWSCURRENT (a redelivered or late step): do nothing;
 * - "run": the token's version carries AWSPENDING: go ahead.
 * Anything else (unknown version, version without AWSPENDING) is refused, as in the AWS protocol.
 */
export function tokenDecision(versions: VersionStages, token: string): 'run' | 'done' {
  const stages = versions[token];
  if (!stages) throw new RotationStateError(`secret version ${token} does not exist: not a rotation token`);
  if (stages.includes(AWSCURRENT)) return 'done';
  if (!stages.includes(AWSPENDING)) {
    throw new RotationStateError(`secret version ${token} is not AWSPENDING (stages: ${stages.join(', ')})`);
  }
  return 'run';
}

/** One UpdateSecretVersionStage call. */
export interface StageMove {
  stage: string;
  moveToVersionId?: string;
  removeFromVersionId?: string;
}

/**
 * The label moves of finishSecret, computed from the current labels so that running it twice (or
 * resuming after a crash between the two moves) converges: AWSCURRENT moves to the token (Secrets
 * Manager then puts AWSPREVIOUS on the old version), then AWSPENDING is removed from the token.
 */
export function finishMoves(versions: VersionStages, token: string): StageMove[] {
  const moves: StageMove[] = [];
  const current = versionWithStage(versions, AWSCURRENT);
  if (current !== token) {
    moves.push({
      stage: AWSCURRENT,
      moveToVersionId: token,
      ...(current !== undefined ? { removeFromVersionId: current } : {}),
    });
  }
  if (versions[token]?.includes(AWSPENDING)) moves.push({ stage: AWSPENDING, removeFromVersionId: token });
  return moves;
}

/**
 * Applies one label move the way Secrets Manager does (pure, used by the local store and the
 * tests): a label lives on at most one version; moving AWSCURRENT away from a version puts
 * AWSPREVIOUS on that version.
 */
export function applyStageMove(versions: VersionStages, move: StageMove): Record<string, string[]> {
  const next: Record<string, string[]> = {};
  for (const [id, stages] of Object.entries(versions)) next[id] = [...stages];
  const holder = versionWithStage(next, move.stage);
  // As UpdateSecretVersionStage: RemoveFromVersionId must name the version that holds the label.
  if (move.removeFromVersionId !== undefined && holder !== move.removeFromVersionId) {
    throw new RotationStateError(
      holder === undefined
        ? `${move.stage} is on no version, not on ${move.removeFromVersionId} as the move expects`
        : `${move.stage} is on version ${holder}, not on ${move.removeFromVersionId} as the move expects`,
    );
  }
  if (move.moveToVersionId !== undefined && holder !== undefined && move.removeFromVersionId === undefined) {
    if (holder !== move.moveToVersionId) {
      throw new RotationStateError(`${move.stage} is on version ${holder}: name it in RemoveFromVersionId`);
    }
  }
  if (move.moveToVersionId !== undefined && !next[move.moveToVersionId]) {
    throw new RotationStateError(`secret version ${move.moveToVersionId} does not exist`);
  }
  if (holder !== undefined && holder !== move.moveToVersionId) {
    next[holder] = (next[holder] ?? []).filter((s) => s !== move.stage);
    if (move.stage === AWSCURRENT && move.moveToVersionId !== undefined) {
      const prev = versionWithStage(next, AWSPREVIOUS);
      if (prev !== undefined) next[prev] = (next[prev] ?? []).filter((s) => s !== AWSPREVIOUS);
      next[holder] = [...(next[holder] ?? []), AWSPREVIOUS];
    }
  }
  if (move.moveToVersionId !== undefined) {
    const target = next[move.moveToVersionId] ?? [];
    if (!target.includes(move.stage)) target.push(move.stage);
    next[move.moveToVersionId] = target;
  }
  return next;
}

/** AWSPENDING on a version that is not AWSCURRENT: a rotation started and did not finish. */
export function stuckPendingVersion(versions: VersionStages): string | undefined {
  const pending = versionWithStage(versions, AWSPENDING);
  if (pending === undefined) return undefined;
  return versions[pending]?.includes(AWSCURRENT) ? undefined : pending;
}

/** How long an unfinished rotation may run before it counts as stuck (the audit's default). */
export const DEFAULT_STUCK_AFTER_HOURS = 24;

/**
 * The unfinished rotation's version when it has been pending for `stuckAfterHours` or longer (or
 * for an unknown time: then it is taken as stuck, as it may be); undefined when nothing is
 * pending or a rotation is simply running now.
 */
export function stuckRotation(
  versions: VersionStages,
  pendingSince: Date | null | undefined,
  now: Date,
  stuckAfterHours: number = DEFAULT_STUCK_AFTER_HOURS,
): string | undefined {
  const pending = stuckPendingVersion(versions);
  if (pending === undefined) return undefined;
  if (pendingSince === null || pendingSince === undefined) return pending;
  return now.getTime() - pendingSince.getTime() >= stuckAfterHours * 3_600_000 ? pending : undefined;
}
