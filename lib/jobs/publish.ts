import { describeError } from '../core/errors.js';
import { HTML_TREND_RUNS, renderHtmlReport } from '../core/htmlReport.js';
import { renderMarkdown } from '../core/markdown.js';
import { type Report, reportKey } from '../core/report.js';
import { objectivesTable, rewriteRunbook } from '../core/runbook.js';
import type { Chat, Metrics, RunbookStore } from '../ports.js';

export interface Publishers {
  runbook: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  /** Where to note publishing problems (never thrown: a report must not be lost to a chat outage). */
  warn?: (message: string) => void;
}

/**
 * The end of every job: store JSON + Markdown (+ HTML when the store takes extra files), rewrite RUNBOOK.md's objectives table, publish
 * metrics and post to chat. Storing the report is the only step whose failure propagates.
 */
export async function publishReport(report: Report, to: Publishers): Promise<string> {
  const warn = to.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const location = await to.runbook.putReport(report, renderMarkdown(report));
  if (to.runbook.putFile) {
    try {
      const history = await to.runbook.listReports({
        kind: report.kind,
        system: report.system,
        limit: HTML_TREND_RUNS + 1,
      });
      const html = renderHtmlReport(report, history);
      await to.runbook.putFile(`${reportKey(report)}.html`, html, 'text/html; charset=utf-8');
    } catch (error) {
      warn(`could not store the HTML report: ${describeError(error)}`);
    }
  }
  try {
    const drills = await to.runbook.listReports({ kind: 'restore-drill', limit: 500 });
    await to.runbook.writeRunbook(rewriteRunbook(await to.runbook.readRunbook(), objectivesTable(drills)));
  } catch (error) {
    warn(`could not update RUNBOOK.md: ${describeError(error)}`);
  }
  if (to.metrics) {
    try {
      await to.metrics.publishReport(report);
    } catch (error) {
      warn(`could not publish metrics: ${describeError(error)}`);
    }
  }
  if (to.chat) {
    try {
      await to.chat.postReport(report, location);
    } catch (error) {
      warn(`could not post to chat: ${describeError(error)}`);
    }
  }
  return location;
}

/**
 * publishReport for a step that may be delivered twice (a state machine retry after the report
 * was stored): when a report with this id is already in the store, it is returned as it is.
 */
export async function publishReportOnce(
  report: Report,
  to: Publishers,
): Promise<{ report: Report; location: string }> {
  const stored = await to.runbook.getReport(report.id);
  if (stored) return { report: stored, location: `(already stored) ${report.id}` };
  return { report, location: await publishReport(report, to) };
}
