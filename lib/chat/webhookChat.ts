import { type ChatMessage, chatBlocks } from '../core/chatBlocks.js';
import { describeError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import { reportKey } from '../core/report.js';
import { ChatPostError } from '../core/reportingErrors.js';
import { sleep } from '../core/wait.js';
import type { Chat } from '../ports.js';

export interface WebhookChatOptions {
  /** The webhook URL, resolved lazily at the first post (it is a secret: never logged). */
  url: () => Promise<string>;
  /** Attempts in all, including the first. Default 4. */
  maxAttempts?: number;
  /** First backoff delay; doubled each retry. Default 500 ms. */
  baseDelayMs?: number;
  /** No single wait (backoff or Retry-After) is longer than this. Default 30 s. */
  maxDelayMs?: number;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Base URL the HTML reports are browsable under; the link becomes `<base>/<key>.html`. */
  linkBaseUrl?: string;
  fetch?: typeof fetch;
  /** How to wait between attempts (tests record the requested delays). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A Slack-compatible incoming-webhook chat: posts a Block Kit message per report. Retries network
 * errors, 5xx and 429 with bounded exponential backoff (429 waits Retry-After, capped); other 4xx
 * (bad payload, revoked hook) are not retried. Throws ChatPostError when it gives up, which
 * publishReport turns into a warning: chat never fails a job. No message ever includes the URL.
 */
export class WebhookChat implements Chat {
  private resolved: string | null = null;

  constructor(private readonly options: WebhookChatOptions) {}

  async postReport(report: Report, location: string): Promise<void> {
    const key = reportKey(report);
    const base = this.options.linkBaseUrl?.replace(/\/+$/, '');
    const message = chatBlocks(report, { location, ...(base ? { url: `${base}/${key}.html` } : {}) });
    await this.post(message);
  }

  async post(message: ChatMessage): Promise<void> {
    const url = await this.url();
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 4);
    const base = this.options.baseDelayMs ?? 500;
    const cap = this.options.maxDelayMs ?? 30_000;
    const body = JSON.stringify(message);
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(url, body);
      if (result === 'ok') return;
      if (!result.retryable || attempt >= maxAttempts) {
        const how = result.retryable
          ? `after ${attempt} attempt${attempt === 1 ? '' : 's'}`
          : '(not retried)';
        throw new ChatPostError(`chat webhook post failed ${how}: ${result.problem}`, attempt, result.status);
      }
      await (this.options.sleep ?? sleep)(Math.min(cap, result.retryAfterMs ?? base * 2 ** (attempt - 1)));
    }
  }

  private async attempt(url: string, body: string): Promise<'ok' | Failure> {
    try {
      const response = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = await response.text().catch(() => '');
      if (response.ok) return 'ok';
      const status = response.status;
      return {
        status,
        // Other 4xx (invalid payload, revoked hook): retrying would not help.
        retryable: status === 429 || status >= 500,
        retryAfterMs: status === 429 ? parseRetryAfter(response.headers.get('retry-after')) : null,
        problem: `HTTP ${status}${text ? ` ${text.slice(0, 100).replace(/\s+/g, ' ')}` : ''}`,
      };
    } catch (error) {
      // Network error or timeout. undici's messages do not include the URL.
      return { status: null, retryable: true, retryAfterMs: null, problem: describeError(error) };
    }
  }

  private async url(): Promise<string> {
    if (this.resolved === null) {
      const url = (await this.options.url()).trim();
      // Validate here: fetch's own "Failed to parse URL from ..." error would echo the secret.
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        throw new ChatPostError('chat webhook URL is not a valid http(s) URL (value not shown)', 0, null);
      }
      this.resolved = url;
    }
    return this.resolved;
  }
}

interface Failure {
  status: number | null;
  retryable: boolean;
  retryAfterMs: number | null;
  problem: string;
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
