import { restoreDrillReportEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';
import { restoreDrillReport } from '../lib/aws/restoreDrill/restoreDrillReport.js';

/** Restore drill, RestoreDrillReport: RPO/RTO against their targets and the report. */
export const handler = stepHandler(restoreDrillReportEventSchema, restoreDrillReport);
