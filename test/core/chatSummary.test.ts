import { describe, expect, it } from 'vitest';
import { chatSummary } from '../../lib/core/chatSummary.js';
import { renderMarkdown } from '../../lib/core/markdown.js';
import { otherReport, restoreDrill } from '../helpers/sampleReports.js';

describe('chatSummary for a replay rehearsal', () => {
  it('shows the events read and no empty digest when the run stopped', () => {
    const report = otherReport('replay-rehearsal', 'failed');
    report.replay = { ...report.replay!, events: 740, digest: '' };
    const line = chatSummary(report).split('\n')[1];
    expect(line).toBe('740 events read of ORDERS 1..1000 before the run stopped (no digest)');
    expect(renderMarkdown(report)).toContain('- Digest: none (the run stopped after 740 events)');
  });

  it('names the base state a run started from', () => {
    const report = otherReport('replay-rehearsal', 'passed');
    report.replay = { ...report.replay!, fromSeq: 401, base: { source: 'snapshot', seq: 400 } };
    expect(chatSummary(report)).toContain(
      '1000 events 401..1000 from the snapshot at 400, digest aaaaaaaaaaaa',
    );
  });
});

describe('chatSummary lists each failure once', () => {
  it('lists a failure recorded twice word for word (and as the reason) once', () => {
    const report = restoreDrill({});
    report.outcome = 'failed';
    const outbox = {
      name: 'catch-up: outbox re-publication',
      outcome: 'failed' as const,
      detail: 'would reach consumers twice: evt-1001',
    };
    report.checks = [...report.checks, outbox, { ...outbox }];
    report.reason = outbox.detail;
    const text = chatSummary(report);
    expect(text.split('would reach consumers twice: evt-1001').length - 1).toBe(1);
  });
});

describe('chatSummary and markdown for a drill with a catch-up phase', () => {
  it('show the service RTO beside the database RTO and the catch-up figures', () => {
    const report = restoreDrill({});
    report.objectives = { ...report.objectives!, serviceRtoSeconds: 400 };
    report.catchUp = {
      stream: 'CONTACTS',
      fromSeq: 201,
      toSeq: 300,
      events: 100,
      seconds: 12,
      digest: 'a'.repeat(64),
      liveDigest: 'a'.repeat(64),
      outboxToRepublish: 10,
      serviceRtoSeconds: 400,
    };
    expect(chatSummary(report)).toContain('· service RTO 6m 40s (DB + read models)');
    const md = renderMarkdown(report);
    expect(md).toContain('| service RTO (DB + read models) | 6m 40s | 4h 0m |');
    expect(md).toContain('- Stream `CONTACTS`, sequences 201..300: 100 events in 12s');
    expect(md).toContain('- Outbox rows to republish on recovery: 10');
  });
});

describe('windows that read nothing', () => {
  it('says the stream was not read instead of showing sequences 0..0', () => {
    const report = otherReport('replay-rehearsal', 'failed');
    report.replay = { ...report.replay!, fromSeq: 0, toSeq: 0, events: 0, digest: '' };
    expect(chatSummary(report).split('\n')[1]).toBe(
      '0 events read of ORDERS before the run stopped (no digest)',
    );
    expect(renderMarkdown(report)).toContain(
      '- Stream `ORDERS`, no sequences (the stream was not read): 0 events',
    );
    expect(renderMarkdown(report)).not.toContain('0..0');
  });

  it('says a read model had nothing to catch up, and that a catch-up which did not run has no figures', () => {
    const report = restoreDrill({});
    const caughtUp = {
      stream: 'CONTACTS',
      fromSeq: 301,
      toSeq: 300,
      events: 0,
      seconds: 1,
      digest: 'a'.repeat(64),
      liveDigest: 'a'.repeat(64),
      outboxToRepublish: 0,
      serviceRtoSeconds: 186,
    };
    expect(renderMarkdown({ ...report, catchUp: caughtUp })).toContain(
      '- Stream `CONTACTS`, nothing after sequence 300: 0 events in 1s',
    );
    const notRun = renderMarkdown({
      ...report,
      catchUp: {
        ...caughtUp,
        stream: '',
        fromSeq: 0,
        toSeq: 0,
        digest: '',
        liveDigest: '',
        serviceRtoSeconds: null,
      },
    });
    expect(notRun).toContain('- Not run to the end: the read models were not caught up (see the checks)');
    expect(notRun).not.toContain('Stream ``');
  });
});
