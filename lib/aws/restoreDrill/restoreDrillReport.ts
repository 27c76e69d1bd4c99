import type { z } from 'zod';
import type { DrillState } from '../../jobs/restoreDrill/drillState.js';
import { finishDrill } from '../../jobs/restoreDrill/finishDrill.js';
import type { caughtSchema } from '../events/stepFunctions.js';
import { logProgress } from '../handler.js';
import { awsRuntime } from '../runtime.js';
import { drillDeps, type RestoreDrillTeardownEvent, stateOrAbandoned } from './restoreDrillShared.js';

export interface RestoreDrillReportEvent extends RestoreDrillTeardownEvent {
  teardownError?: z.infer<typeof caughtSchema> | undefined;
}

/** What the report step answers the state machine (its DrillPassed Choice reads `outcome`). */
export interface DrillResultOut {
  reportId: string;
  outcome: string;
  location: string;
  rpoSeconds: number | null;
  rtoSeconds: number | null;
}

/** The RestoreDrillReport state: RPO/RTO and the report; a teardown that failed past its retries is a failed check. */
export async function restoreDrillReport(event: RestoreDrillReportEvent): Promise<DrillResultOut> {
  const rt = awsRuntime(event.state?.options.system ?? event.input.system, logProgress);
  let state: DrillState = stateOrAbandoned(rt, event);
  if (event.teardownError) {
    state = {
      ...state,
      run: {
        ...state.run,
        checks: [
          ...state.run.checks,
          {
            name: 'teardown',
            outcome: 'failed',
            detail:
              `staging ${state.staging?.id ?? '(unknown)'} may be left behind: ${event.teardownError.Error}: ${event.teardownError.Cause ?? ''}`.trim(),
          },
        ],
      },
    };
  }
  const { report, location } = await finishDrill(drillDeps(rt, event.executionName), state);
  return {
    reportId: report.id,
    outcome: report.outcome,
    location,
    rpoSeconds: report.objectives?.rpoSeconds ?? null,
    rtoSeconds: report.objectives?.rtoSeconds ?? null,
  };
}
