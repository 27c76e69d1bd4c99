import { RunRecorder } from '../core/recorder.js';
import { type ReportKind, reportId } from '../core/report.js';

export interface RunStart {
  /** The run's clock (tests pin it); the recorder reads it for every phase. */
  now: () => Date;
  /** The time the report id is stamped with (default: now()); a drill's start, which its RPO uses. */
  at?: Date;
  /** The id's last part (default: random), e.g. a rotation's `<random>-<secretId>`. */
  idSuffix?: string;
  /** The report's first details (backupId, secretId, recoveryTarget, ...). */
  details?: Record<string, unknown>;
}

/**
 * Every job's report starts here: a recorder with the id `<kind>-<system>-<time>-<suffix>`
 * (reportId), the run's clock and its first details. Backups, drills and rotations, whole or
 * split into state-machine steps, all begin (and a run caught before its first step) this way.
 */
export function startRun(
  kind: ReportKind,
  on: { system: string; environment: string },
  start: RunStart,
): RunRecorder {
  const at = start.at ?? start.now();
  const id =
    start.idSuffix === undefined
      ? reportId(kind, on.system, at)
      : reportId(kind, on.system, at, start.idSuffix);
  const rec = new RunRecorder(kind, id, on.system, on.environment, start.now);
  Object.assign(rec.details, start.details ?? {});
  return rec;
}
