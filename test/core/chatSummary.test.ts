import { describe, expect, it } from 'vitest';
import { chatSummary } from '../../lib/core/chatSummary.js';
import { renderMarkdown } from '../../lib/core/markdown.js';
import { otherReport } from '../helpers/sampleReports.js';

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
