import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RunbookStore } from '../../lib/aws/s3RunbookStore.js';
import { renderMarkdown } from '../../lib/core/markdown.js';
import { type Report, reportKey } from '../../lib/core/report.js';
import { ReportExistsError } from '../../lib/core/reportingErrors.js';
import { publishReport } from '../../lib/jobs/publish.js';
import { type LocalS3, type S3Moment, startS3rver } from '../helpers/s3rver.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

describe('S3RunbookStore on a local S3-compatible server (s3rver)', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3rver(['runbook']);
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('stores JSON and Markdown under the prefix with the folder store key layout, and reads them back', async () => {
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'team-a', client: s3.client() });
    const report = restoreDrill();
    const location = await store.putReport(report, renderMarkdown(report));
    expect(location).toBe(
      's3://runbook/team-a/reports/restore-drill/2026/11/restore-drill-orders-20261101T020000Z-a1.json',
    );
    expect(await storedText(s3, `team-a/${reportKey(report)}.md`)).toContain('# Restore drill: PASS');
    expect(await store.getReport(report.id)).toEqual(report);
    expect(await store.getReport('restore-drill-nope')).toBeNull();
  });

  it('refuses to overwrite an existing report and leaves the stored one untouched', async () => {
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'overwrite/', client: s3.client() });
    const report = restoreDrill();
    await store.putReport(report, 'first');
    const second = { ...report, outcome: 'failed' as const };
    await expect(store.putReport(second, 'second')).rejects.toBeInstanceOf(ReportExistsError);
    await expect(store.putReport(second, 'second')).rejects.toThrow(
      /already exists at s3:\/\/runbook\/overwrite\//,
    );
    expect((await store.getReport(report.id))?.outcome).toBe('passed');
    expect(await storedText(s3, `overwrite/${reportKey(report)}.md`)).toBe('first');
  });

  it('treats storing the identical report again (a redelivery) as done, without rewriting it', async () => {
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'redeliver/', client: s3.client() });
    const report = otherReport('canary-halt');
    const first = await store.putReport(report, 'first');
    expect(await store.putReport(structuredClone(report), 'second')).toBe(first);
    expect(await storedText(s3, `redeliver/${reportKey(report)}.md`)).toBe('first');
  });

  it('finishes a report whose Markdown was left behind by an interrupted attempt', async () => {
    const client = s3.client();
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'resume/', client });
    const report = otherReport('backup');
    await client.send(
      new PutObjectCommand({ Bucket: 'runbook', Key: `resume/${reportKey(report)}.md`, Body: 'partial' }),
    );
    await store.putReport(report, 'complete');
    expect(await store.getReport(report.id)).toEqual(report);
  });

  // Paging (continuation tokens) is tested on the mocked client in s3RunbookStore.test.ts: s3rver
  // answers ListObjectsV2 with max-keys by an InternalError, and a page here would need 1000 keys.
  it('lists reports newest first across months, filtered by kind and system, with a limit', async () => {
    const client = s3.client();
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'list/', client });
    const drills = [
      restoreDrill({ startedAt: '2026-09-01T02:00:00.000Z' }),
      restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z' }),
      failedRestoreDrill('2026-11-08T02:00:00.000Z'),
      restoreDrill({
        system: 'billing',
        id: 'restore-drill-billing-1',
        startedAt: '2026-11-09T02:00:00.000Z',
      }),
    ];
    for (const r of [...drills, otherReport('backup')]) await store.putReport(r, renderMarkdown(r));
    // Not a report: ignored by listings.
    await client.send(
      new PutObjectCommand({
        Bucket: 'runbook',
        Key: 'list/reports/restore-drill/2026/11/junk.json',
        Body: '{}',
      }),
    );
    const all = await store.listReports();
    expect(all.map((r) => r.startedAt)).toEqual([
      '2026-11-09T02:00:00.000Z',
      '2026-11-08T02:00:00.000Z',
      '2026-11-02T03:00:00.000Z',
      '2026-10-01T02:00:00.000Z',
      '2026-09-01T02:00:00.000Z',
    ]);
    const orders = await store.listReports({ kind: 'restore-drill', system: 'orders', limit: 2 });
    expect(orders.map((r) => r.startedAt)).toEqual(['2026-11-08T02:00:00.000Z', '2026-10-01T02:00:00.000Z']);
    expect(await new S3RunbookStore({ bucket: 'runbook', prefix: 'empty/', client }).listReports()).toEqual(
      [],
    );
  });

  it('publishes through publishReport: report, HTML and RUNBOOK.md at the prefix root, encrypted', async () => {
    const client = s3.client();
    // What each write asked S3 for (s3rver stores objects unencrypted and does not echo the header).
    const writes: { Key?: string; ServerSideEncryption?: string; SSEKMSKeyId?: string }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') writes.push({ ...(args.input as object) });
        return next(args);
      },
      { step: 'initialize', name: 'recordWrites' },
    );
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'publish/', client });
    await publishReport(restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z', rto: 200 }), {
      runbook: store,
    });
    const report = restoreDrill();
    const warnings: string[] = [];
    await publishReport(report, { runbook: store, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    const runbook = await store.readRunbook();
    expect(runbook).toContain('| orders | 2026-11-01 | passed |');
    expect(runbook).toContain('faster by 8% (was 3m 20s)');
    const html = await store.getFile(`${reportKey(report)}.html`);
    expect(html).toContain('class="trend-point" data-series="rto"');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: 'runbook', Key: `publish/${reportKey(report)}.html` }),
    );
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(await store.getFile('reports/none.html')).toBeNull();
    await expect(store.putFile('../escape.html', 'x', 'text/html')).rejects.toThrow(
      /escapes the runbook prefix/,
    );
    // Every object written (reports, Markdown, HTML, RUNBOOK.md) asked for encryption at rest.
    expect(writes.length).toBeGreaterThanOrEqual(7);
    expect(writes.map((w) => w.Key)).toEqual(
      expect.arrayContaining([`publish/${reportKey(report)}.json`, 'publish/RUNBOOK.md']),
    );
    for (const w of writes) expect(w, w.Key).toMatchObject({ ServerSideEncryption: 'AES256' });
    // With a KMS key: aws:kms with that key.
    writes.length = 0;
    const kms = 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222';
    await new S3RunbookStore({ bucket: 'runbook', prefix: 'publish-kms/', client, kmsKeyId: kms }).putReport(
      report,
      'md',
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kms });
  });
});

/** An object's text in the runbook bucket, read straight from the server. */
async function storedText(s3: LocalS3, key: string): Promise<string | undefined> {
  const object = await s3.client().send(new GetObjectCommand({ Bucket: 'runbook', Key: key }));
  return object.Body?.transformToString();
}

/** A promise and the function that resolves it. */
function signal(): [Promise<void>, () => void] {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return [promise, resolve];
}

describe('S3RunbookStore against conditional writes as S3 answers them (412, 409)', () => {
  let s3: LocalS3;
  let hold: ((moment: S3Moment) => Promise<void> | void) | undefined;
  const seen: string[] = [];
  beforeAll(async () => {
    s3 = await startS3rver(['runbook'], {
      conditionalWrites: true,
      hold: (m) => {
        seen.push(`${m.phase} ${m.method} ${m.path}${m.status ? ` ${m.status}` : ''}`);
        return hold?.(m);
      },
    });
  });
  afterAll(async () => {
    await s3?.close();
  });

  /** Starts a first run's putReport and holds its JSON write in flight (not yet stored) until released. */
  async function firstWriteInFlight(prefix: string, report: Report) {
    const jsonPath = `runbook/${prefix}${reportKey(report)}.json`;
    const [released, release] = signal();
    const [inFlight, reached] = signal();
    hold = async (m) => {
      if (m.phase !== 'in-flight' || m.path !== jsonPath) return;
      hold = undefined;
      reached();
      await released;
    };
    const first = new S3RunbookStore({ bucket: 'runbook', prefix, client: s3.client() });
    const firstPut = first.putReport(report, 'md');
    await inFlight;
    const waits: number[] = [];
    /** A second run's store: 3 attempts on a 409, each wait recorded, then `onWait`. */
    const secondRun = (baseDelayMs: number, onWait: () => Promise<void>) =>
      new S3RunbookStore({
        bucket: 'runbook',
        prefix,
        client: s3.client(),
        conflictRetry: {
          attempts: 3,
          baseDelayMs,
          sleep: async (ms) => {
            waits.push(ms);
            await onWait();
          },
        },
      });
    return { firstPut, release, waits, secondRun };
  }

  it('refuses at the conditional write a report another run stored after the HeadObject pre-check', async () => {
    const report = restoreDrill();
    const theirs = { ...report, outcome: 'failed' as const };
    const store = new S3RunbookStore({ bucket: 'runbook', prefix: 'race/', client: s3.client() });
    const other = new S3RunbookStore({ bucket: 'runbook', prefix: 'race/', client: s3.client() });
    const jsonPath = `runbook/race/${reportKey(report)}.json`;
    let raced = false;
    // Between our pre-check (which found nothing) and our JSON write, the other run stores its report.
    hold = async (m) => {
      if (raced || m.phase !== 'before' || m.method !== 'PUT' || m.path !== jsonPath) return;
      raced = true;
      await other.putReport(theirs, 'theirs');
    };

    await expect(store.putReport(report, 'ours')).rejects.toBeInstanceOf(ReportExistsError);

    hold = undefined;
    expect(seen).toContain(`after HEAD ${jsonPath} 404`);
    expect(raced).toBe(true);
    expect((await store.getReport(report.id))?.outcome).toBe('failed');
    expect(await storedText(s3, `race/${reportKey(report)}.md`)).toBe('theirs');
  });

  it('retries a write that S3 answers 409 ConditionalRequestConflict and then sees the concurrent one landed', async () => {
    const report = otherReport('canary-halt');
    const { firstPut, release, waits, secondRun } = await firstWriteInFlight('conflict/', report);
    const redelivered = secondRun(50, async () => {
      release();
      await firstPut;
    });

    const location = await redelivered.putReport(structuredClone(report), 'md').finally(release);

    hold = undefined;
    expect(location).toBe(await firstPut);
    expect(waits).toEqual([50]);
    expect(await redelivered.getReport(report.id)).toEqual(report);
  });

  it('gives up, naming the conflict, when the concurrent write stays in flight past the bounded retries', async () => {
    const report = failedRestoreDrill();
    const { firstPut, release, waits, secondRun } = await firstWriteInFlight('stuck/', report);
    const second = secondRun(10, async () => {});

    try {
      await expect(second.putReport(structuredClone(report), 'md')).rejects.toThrow(
        /^S3 PutObject s3:\/\/runbook\/stuck\/.*\.json: another write of this key was still in flight after 3 attempts \(409 ConditionalRequestConflict\)$/,
      );
      expect(waits).toEqual([10, 20]);
    } finally {
      release();
      await firstPut;
    }
  });
});
