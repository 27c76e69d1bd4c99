import { chatSummary } from '../core/chatSummary.js';
import type { Report } from '../core/report.js';
import type { Chat } from '../ports.js';

/** Chat for one machine: prints the summary a chat channel would get. */
export class ConsoleChat implements Chat {
  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(`${text}\n`)) {}

  async postReport(report: Report, location: string): Promise<void> {
    this.write(`\n--- chat ---\n${chatSummary(report, location)}\n------------`);
  }
}
