import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRetryAfter, WebhookChat } from '../../lib/chat/webhookChat.js';
import { ChatPostError } from '../../lib/core/reportingErrors.js';
import { publishReport } from '../../lib/jobs/publish.js';
import { FolderRunbookStore } from '../../lib/local/folderRunbookStore.js';
import { failedRestoreDrill, restoreDrill } from '../helpers/sampleReports.js';
import { type Reply, startWebhookServer, type WebhookServer } from '../helpers/webhookServer.js';

let server: WebhookServer | undefined;
const temp: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const dir of temp.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A chat with short backoff; the delays it asks for are recorded instead of asserting time. */
function chat(url: string, extra: Partial<ConstructorParameters<typeof WebhookChat>[0]> = {}) {
  const waits: number[] = [];
  const c = new WebhookChat({
    url: async () => url,
    maxAttempts: 3,
    baseDelayMs: 10,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  return { chat: c, waits };
}

const sequence =
  (...replies: Reply[]) =>
  (n: number) =>
    replies[Math.min(n, replies.length - 1)] as Reply;

describe('WebhookChat against a local HTTP server', () => {
  it('posts the Block Kit message as JSON to the webhook', async () => {
    server = await startWebhookServer(sequence({ status: 200 }));
    const { chat: c } = chat(server.url, { linkBaseUrl: 'https://runbook.example/drillbook/' });
    await c.postReport(failedRestoreDrill(), '/runbook/reports/x.json');
    expect(server.received).toHaveLength(1);
    const [req] = server.received;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/services/T000/B000/secret-token-xyz');
    expect(req?.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(req?.body ?? '{}');
    expect(payload.text).toContain('Restore drill FAILED');
    expect(payload.blocks[0].text.text).toBe('Restore drill FAILED: orders (production)');
    expect(JSON.stringify(payload.blocks)).toContain(
      '<https://runbook.example/drillbook/reports/restore-drill/2026/11/restore-drill-orders-20261108T020000Z-a1.html|full report>',
    );
  });

  it('retries a 500 and succeeds on the next attempt, with the same message', async () => {
    server = await startWebhookServer(sequence({ status: 500 }, { status: 200 }));
    const { chat: c, waits } = chat(server.url);
    await c.postReport(restoreDrill(), 'loc');
    expect(server.received).toHaveLength(2);
    expect(server.received[1]?.body).toBe(server.received[0]?.body);
    expect(waits).toEqual([10]);
  });

  it('waits as long as Retry-After says on a 429, capped', async () => {
    server = await startWebhookServer(
      sequence(
        { status: 429, headers: { 'retry-after': '2' } },
        { status: 429, headers: { 'retry-after': '600' } },
        { status: 200 },
      ),
    );
    const { chat: c, waits } = chat(server.url, { maxDelayMs: 30_000 });
    await c.postReport(restoreDrill(), 'loc');
    expect(server.received).toHaveLength(3);
    expect(waits).toEqual([2000, 30_000]);
  });

  it('gives up after the bounded attempts with exponential backoff, never naming the URL', async () => {
    server = await startWebhookServer(sequence({ status: 503, body: 'upstream down' }));
    const { chat: c, waits } = chat(server.url);
    const error = await c.postReport(restoreDrill(), 'loc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatPostError);
    expect((error as ChatPostError).message).toBe(
      'chat webhook post failed after 3 attempts: HTTP 503 upstream down',
    );
    expect((error as ChatPostError).status).toBe(503);
    expect(server.received).toHaveLength(3);
    expect(waits).toEqual([10, 20]);
  });

  it('does not retry a 4xx that retrying cannot fix', async () => {
    server = await startWebhookServer(sequence({ status: 404, body: 'no_service' }));
    const { chat: c, waits } = chat(server.url);
    await expect(c.postReport(restoreDrill(), 'loc')).rejects.toThrow(
      'chat webhook post failed (not retried): HTTP 404 no_service',
    );
    expect(server.received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('retries when nothing listens, and the error does not include the URL', async () => {
    server = await startWebhookServer(sequence({ status: 200 }));
    const url = server.url;
    await server.close();
    server = undefined;
    const { chat: c, waits } = chat(url);
    const error = (await c.postReport(restoreDrill(), 'loc').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ChatPostError);
    expect(waits).toHaveLength(2);
    expect(error.message).not.toContain('secret-token-xyz');
    expect(String(error.cause ?? '')).not.toContain('secret-token-xyz');
  });

  it('rejects a malformed URL without echoing it', async () => {
    const { chat: c } = chat('hooks.example.com/services/secret-token-xyz');
    const error = (await c.postReport(restoreDrill(), 'loc').catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('chat webhook URL is not a valid http(s) URL (value not shown)');
  });

  it('never fails publishReport: the report is stored and the failure is a warning without the URL', async () => {
    server = await startWebhookServer(sequence({ status: 500 }));
    const dir = await mkdtemp(join(tmpdir(), 'drillbook-chat-'));
    temp.push(dir);
    const warnings: string[] = [];
    const { chat: c } = chat(server.url);
    const location = await publishReport(failedRestoreDrill(), {
      runbook: new FolderRunbookStore(dir),
      chat: c,
      warn: (m) => warnings.push(m),
    });
    expect(JSON.parse(await readFile(location, 'utf8')).id).toBe(failedRestoreDrill().id);
    expect(server.received).toHaveLength(3);
    expect(warnings).toEqual([
      'could not post to chat: chat webhook post failed after 3 attempts: HTTP 500 error',
    ]);
    expect(warnings.join()).not.toContain('secret-token-xyz');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('2026-10-21T07:28:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});
