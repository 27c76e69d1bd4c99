import { describeError } from '../../core/errors.js';
import type { RunRecorder } from '../../core/recorder.js';
import { reportKey } from '../../core/report.js';
import type { RestoreTarget } from '../../ports.js';
import type { Publishers } from '../publish.js';
import type { DrillState } from './drillState.js';

/**
 * Stores the staging server's log (bounded by the target) beside the report, so the reason a
 * recovery failed can still be read after teardown removed the server; the report names the key.
 */
export async function keepStagingLog(
  deps: { publishers: Publishers; target?: RestoreTarget },
  state: DrillState,
  rec: RunRecorder,
): Promise<void> {
  const store = deps.publishers.runbook;
  if (!state.staging || !deps.target?.serverLog || !store.putFile) return;
  try {
    const log = await deps.target.serverLog(state.staging);
    if (!log) return;
    const key = `${reportKey({ kind: 'restore-drill', id: rec.id, startedAt: state.run.startedAt })}.staging.log`;
    await store.putFile(key, log, 'text/plain; charset=utf-8');
    rec.details['stagingLog'] = key;
  } catch (error) {
    deps.publishers.warn?.(`could not keep the staging server's log: ${describeError(error)}`);
  }
}
