import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AuditRunbookStore } from '../../lib/aws/auditRunbookStore.js';
import {
  AuditWebhookChat,
  ChatPostError,
  webhookUrlFromSecretString,
} from '../../lib/aws/auditWebhookChat.js';
import type { Report } from '../../lib/core/report.js';

const report: Report = {
  kind: 'rotation-audit',
  id: 'rotation-audit-shop-20261123T060000Z-abc123',
  system: 'shop',
  environment: 'production',
  startedAt: '2026-11-23T06:00:00.000Z',
  finishedAt: '2026-11-23T06:00:02.000Z',
  outcome: 'failed',
  phases: [],
  checks: [{ name: 'secret app-db', outcome: 'failed', detail: 'stuck' }],
};

describe('AuditRunbookStore (S3)', () => {
  it('writes Markdown then JSON under the prefix, never overwriting a report, and lists reports back', async () => {
    const client = new S3Client({ region: 'eu-west-1' });
    const s3 = mockClient(client);
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const key = 'drillbook/reports/rotation-audit/2026/11/rotation-audit-shop-20261123T060000Z-abc123.json';
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 'p2',
        Contents: [{ Key: key.replace('.json', '.md') }],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 'p2' })
      .resolves({ IsTruncated: false, Contents: [{ Key: key }] });
    s3.on(GetObjectCommand, { Key: key }).callsFake(() => ({
      // The shape GetObject's Body exposes (an SDK stream with transformToString).
      Body: { transformToString: async () => JSON.stringify(report) } as never,
    }));
    const store = new AuditRunbookStore({ bucket: 'runbook-bucket', client });
    const location = await store.putReport(report, '# audit');
    expect(location).toBe(`s3://runbook-bucket/${key}`);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual([key.replace('.json', '.md'), key]);
    expect(puts[1]).toMatchObject({
      Bucket: 'runbook-bucket',
      IfNoneMatch: '*',
      ServerSideEncryption: 'AES256',
    });
    const listed = await store.listReports({ kind: 'rotation-audit' });
    expect(listed.map((r) => r.id)).toEqual([report.id]);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });
});

describe('AuditWebhookChat', () => {
  it('retries a 5xx once and posts the summary as { text }, never naming the URL in errors', async () => {
    const bodies: string[] = [];
    let calls = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls += 1;
        bodies.push(body);
        res.statusCode = calls === 1 ? 503 : 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-path`;
    try {
      await new AuditWebhookChat(async () => url).postReport(report, 's3://runbook-bucket/x.json');
      expect(calls).toBe(2);
      expect(JSON.parse(bodies[1]!).text).toContain('secret app-db failed');
      const failing = new AuditWebhookChat(async () => `${url.replace(/\d+\/hooks/, '1/hooks')}`);
      const error = await failing.postReport(report, 'x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChatPostError);
      expect(String((error as Error).message)).not.toContain('secret-path');
    } finally {
      server.close();
    }
  });

  it('reads the URL from the secret string, plain or JSON, and refuses anything but https', () => {
    expect(webhookUrlFromSecretString('https://hooks.example/T/B/x')).toBe('https://hooks.example/T/B/x');
    expect(webhookUrlFromSecretString('{"url":"https://hooks.example/a"}')).toBe('https://hooks.example/a');
    expect(() => webhookUrlFromSecretString('{"token":"abc"}')).toThrow(ChatPostError);
  });
});
