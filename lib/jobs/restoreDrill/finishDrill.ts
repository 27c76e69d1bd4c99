import { judgeObjectives, measureObjectives, serviceRto } from '../../core/objectives.js';
import type { Report } from '../../core/report.js';
import type { BackupRepository, RestoreTarget } from '../../ports.js';
import { type Publishers, publishReportOnce } from '../publish.js';
import { clockOf, resumeRecorder } from '../runState.js';
import type { CatchUpState, DrillState } from './drillState.js';
import { judgeServiceRto } from './judgeServiceRto.js';
import { keepStagingLog } from './keepStagingLog.js';

/** RPO/RTO against their targets, then the report (stored, RUNBOOK.md, metrics, chat). */
export async function finishDrill(
  deps: { backups: BackupRepository; publishers: Publishers; now?: () => Date; target?: RestoreTarget },
  state: DrillState,
): Promise<{ report: Report; location: string }> {
  const now = clockOf(deps);
  const rec = resumeRecorder(state.run, now);
  await keepStagingLog(deps, state, rec);
  const backup = state.backupId ? await deps.backups.get(state.backupId).catch(() => null) : null;
  const measured = measureObjectives({
    drillStartedAt: new Date(state.run.startedAt),
    verifiedAt: state.verifiedAt ? new Date(state.verifiedAt) : null,
    recoveryTargetTime: new Date(state.recoveryTargetTime),
    newestHeartbeat: state.heartbeat ? new Date(state.heartbeat) : null,
    backupTakenAt: backup ? new Date(backup.takenAt) : null,
    newestRestorablePoint: await deps.backups.newestRestorablePoint().catch(() => null),
  });
  const targets = {
    rpoTargetSeconds: state.options.rpoTargetSeconds,
    rtoTargetSeconds: state.options.rtoTargetSeconds,
  };
  for (const v of judgeObjectives(measured, targets)) rec.check(v.name, v.outcome, v.detail);
  const catchUp = state.catchUp;
  if (catchUp === undefined) {
    return publishReportOnce(rec.finish({ objectives: { ...measured, ...targets } }), deps.publishers);
  }
  // Service RTO: the database verified plus the read models caught up from the stream.
  const caughtUp = catchUp?.caughtUp ?? catchUp?.passed ?? false;
  const serviceRtoSeconds = caughtUp ? serviceRto(measured.rtoSeconds, catchUp?.seconds ?? null) : null;
  const verdict = judgeServiceRto(serviceRtoSeconds, targets.rtoTargetSeconds);
  rec.check(verdict.name, verdict.outcome, verdict.detail);
  const { passed: _, caughtUp: __, ...figures } = catchUp ?? emptyCatchUp;
  return publishReportOnce(
    rec.finish({
      objectives: { ...measured, ...targets, serviceRtoSeconds },
      catchUp: { ...figures, serviceRtoSeconds },
    }),
    deps.publishers,
  );
}

const emptyCatchUp: CatchUpState = {
  stream: '',
  fromSeq: 0,
  toSeq: 0,
  events: 0,
  seconds: 0,
  digest: '',
  liveDigest: '',
  outboxToRepublish: 0,
  passed: false,
};
