import { chatSummary } from '../core/chatSummary.js';
import { DrillbookError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import { sleep } from '../core/wait.js';
import type { Chat } from '../ports.js';

/** Posting to the chat webhook failed (the URL is never part of the message). */
export class ChatPostError extends DrillbookError {}

/**
 * A Slack-compatible incoming webhook for the rotation-audit Lambda: posts the chat summary as
 * `{ text }`, 3 attempts with backoff, 10 s per attempt. The URL comes from a function (read from
 * Secrets Manager at the first post) and is never logged.
 */
export class AuditWebhookChat implements Chat {
  constructor(
    private readonly url: () => Promise<string>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async postReport(report: Report, location: string): Promise<void> {
    const url = await this.url();
    let last = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const response = await this.fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: chatSummary(report, location) }),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.ok) return;
        last = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        last = (error as Error).name;
      }
      if (attempt < 3) await sleep(500 * 2 ** attempt);
    }
    throw new ChatPostError(`chat webhook post failed: ${last}`);
  }
}

/** The webhook URL from a secret string: the URL itself, or JSON with `url` / `webhookUrl`. */
export function webhookUrlFromSecretString(value: string): string {
  const trimmed = value.trim();
  let url = trimmed;
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as { url?: unknown; webhookUrl?: unknown };
    url = String(parsed.url ?? parsed.webhookUrl ?? '');
  }
  if (!/^https:\/\//.test(url)) throw new ChatPostError('the chat webhook secret does not hold an https URL');
  return url;
}
