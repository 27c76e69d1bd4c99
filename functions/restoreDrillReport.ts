import { reportDrillStep } from '../lib/aws/drillWorkflow.js';
import { drillReportEventSchema } from '../lib/aws/events/stepFunctions.js';
import { stepHandler } from '../lib/aws/handler.js';

/** Restore drill, last step: RPO/RTO against their targets and the report. */
export const handler = stepHandler(drillReportEventSchema, reportDrillStep);
