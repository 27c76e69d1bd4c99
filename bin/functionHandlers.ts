import { handler as backupFailed } from '../functions/backupFailed.js';
import { handler as backupFinish } from '../functions/backupFinish.js';
import { handler as backupPoll } from '../functions/backupPoll.js';
import { handler as backupStart } from '../functions/backupStart.js';
import { handler as replayRehearsal } from '../functions/replayRehearsal.js';
import { handler as restoreDrillCatchUp } from '../functions/restoreDrillCatchUp.js';
import { handler as restoreDrillPoll } from '../functions/restoreDrillPoll.js';
import { handler as restoreDrillReport } from '../functions/restoreDrillReport.js';
import { handler as restoreDrillStart } from '../functions/restoreDrillStart.js';
import { handler as restoreDrillTeardown } from '../functions/restoreDrillTeardown.js';
import { handler as restoreDrillVerify } from '../functions/restoreDrillVerify.js';
import type { LocalHandler } from '../lib/local/stateMachineRunner.js';

/**
 * The deployed Lambda handlers by function name (serverless.yml `functions:` keys), for local runs
 * of the state machines. It lives beside the CLI entry because lib/ never imports functions/.
 */
export const functionHandlers: Record<string, LocalHandler> = {
  backupStart,
  backupPoll,
  backupFinish,
  backupFailed,
  restoreDrillStart,
  restoreDrillPoll,
  restoreDrillVerify,
  restoreDrillCatchUp,
  restoreDrillTeardown,
  restoreDrillReport,
  replayRehearsal,
} as unknown as Record<string, LocalHandler>;
