import { bindRunbookFolder } from '../lib/aws/lambdaPublishers.js';
import { bindLocalHandlers } from '../lib/cli/localHandlers.js';
import { buildLocalPublishers } from '../lib/local/localPublishers.js';

/**
 * The composition of local runs of the deployed workflows (`drillbook run`, and the test suite):
 * the Lambda handlers of functions/ for the local state machine runner, and the runbook folder
 * ($DRILLBOOK_RUNBOOK_DIR) the handlers publish to. Above lib/, so lib/ never imports functions/
 * and lib/aws never imports lib/local.
 */
export function bindLocalRuns(): void {
  bindLocalHandlers(async () => (await import('./functionHandlers.js')).functionHandlers);
  bindRunbookFolder((dir, config, env) => buildLocalPublishers({ config, runbookDir: dir, env }));
}
