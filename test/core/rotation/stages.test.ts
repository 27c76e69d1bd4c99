import { describe, expect, it } from 'vitest';
import { RotationStateError } from '../../../lib/core/rotation/errors.js';
import {
  applyStageMove,
  finishMoves,
  stuckPendingVersion,
  tokenDecision,
} from '../../../lib/core/rotation/stages.js';

describe('staging labels', () => {
  const rotating = { v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'], tok: ['AWSPENDING'] };

  it('runs a step only for an AWSPENDING token and skips one that is already AWSCURRENT', () => {
    expect(tokenDecision(rotating, 'tok')).toBe('run');
    expect(tokenDecision(rotating, 'v1')).toBe('done');
    expect(() => tokenDecision(rotating, 'v0')).toThrow(RotationStateError);
    expect(() => tokenDecision(rotating, 'missing')).toThrow(/does not exist/);
  });

  it('finishes by moving AWSCURRENT (AWSPREVIOUS follows) and then dropping AWSPENDING, converging when repeated', () => {
    const moves = finishMoves(rotating, 'tok');
    expect(moves).toEqual([
      { stage: 'AWSCURRENT', moveToVersionId: 'tok', removeFromVersionId: 'v1' },
      { stage: 'AWSPENDING', removeFromVersionId: 'tok' },
    ]);
    const halfway = applyStageMove(rotating, moves[0]!);
    expect(halfway).toEqual({ v1: ['AWSPREVIOUS'], v0: [], tok: ['AWSPENDING', 'AWSCURRENT'] });
    expect(finishMoves(halfway, 'tok')).toEqual([{ stage: 'AWSPENDING', removeFromVersionId: 'tok' }]);
    const done = applyStageMove(halfway, finishMoves(halfway, 'tok')[0]!);
    expect(done).toEqual({ v1: ['AWSPREVIOUS'], v0: [], tok: ['AWSCURRENT'] });
    expect(finishMoves(done, 'tok')).toEqual([]);
  });

  it('rejects a move whose RemoveFromVersionId does not hold the label', () => {
    expect(() =>
      applyStageMove(rotating, { stage: 'AWSCURRENT', moveToVersionId: 'tok', removeFromVersionId: 'v0' }),
    ).toThrow(/is on version v1/);
    // AWS also refuses a RemoveFromVersionId when no version holds the label at all.
    expect(() =>
      applyStageMove({ v1: ['AWSCURRENT'] }, { stage: 'AWSPENDING', removeFromVersionId: 'v1' }),
    ).toThrow(/AWSPENDING is on no version/);
  });

  it('calls a rotation stuck only when AWSPENDING sits on a version other than AWSCURRENT', () => {
    expect(stuckPendingVersion(rotating)).toBe('tok');
    expect(stuckPendingVersion({ v1: ['AWSCURRENT', 'AWSPENDING'] })).toBeUndefined();
    expect(stuckPendingVersion({ v1: ['AWSCURRENT'] })).toBeUndefined();
  });
});
