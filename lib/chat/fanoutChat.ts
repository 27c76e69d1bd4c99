import { describeError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import { ChatPostError } from '../core/reportingErrors.js';
import type { Chat } from '../ports.js';

/** Posts to several chats (stdout and a webhook); one failing does not stop the others. */
export class FanoutChat implements Chat {
  constructor(readonly chats: readonly Chat[]) {}

  async postReport(report: Report, location: string): Promise<void> {
    const results = await Promise.allSettled(this.chats.map((c) => c.postReport(report, location)));
    const problems = results.flatMap((r) => (r.status === 'rejected' ? [describeError(r.reason)] : []));
    if (problems.length > 0) throw new ChatPostError(problems.join('; '), 1, null);
  }
}
