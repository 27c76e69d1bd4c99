import type { Report } from '../../core/report.js';
import { type Publishers, publishReportOnce } from '../publish.js';
import { clockOf, resumeRecorder, toRunState } from '../runState.js';
import { startRun } from '../startRun.js';
import type { BackupOptions, BackupState } from './backupState.js';

/** Records an error the state machine caught (a step that failed past its retries). */
export function recordCaught(
  state: BackupState,
  caught: { error: string; cause?: string },
  now: () => Date = () => new Date(),
): BackupState {
  const rec = resumeRecorder(state.run, now);
  rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  return { ...state, taken: true, run: toRunState(rec) };
}

/** Writes the report (stored, RUNBOOK.md, metrics, chat). */
export async function finishBackup(
  deps: { publishers: Publishers; now?: () => Date },
  state: BackupState,
): Promise<{ report: Report; location: string }> {
  return publishReportOnce(resumeRecorder(state.run, clockOf(deps)).finish(), deps.publishers);
}

/** A run that failed before its first step returned (the state machine caught it): only its report is left to write. */
export function backupFailedBeforeStart(
  options: BackupOptions,
  caught: { error: string; cause?: string },
  now: () => Date = () => new Date(),
): BackupState {
  const rec = startRun('backup', options, { now, details: { backupId: options.backupId } });
  rec.fail(`${caught.error}: ${caught.cause ?? 'no cause given'}`);
  return { run: toRunState(rec), options, record: null, takeStartedAt: null, taken: true };
}
