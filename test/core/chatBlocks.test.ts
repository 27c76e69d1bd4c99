import { describe, expect, it } from 'vitest';
import { type Block, type ChatMessage, chatBlocks } from '../../lib/core/chatBlocks.js';
import type { Report } from '../../lib/core/report.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

const location = 's3://runbook-bucket/drillbook/reports/x.json';

/** All text of a message, fields included, for "does the reader see X" assertions. */
function allText(message: ChatMessage): string {
  return message.blocks
    .flatMap((b: Block) => {
      if (b.type === 'header') return [b.text.text];
      if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
      if (b.type === 'context') return b.elements.map((e) => e.text);
      return [];
    })
    .join('\n');
}

function expectValidBlockKit(message: ChatMessage): void {
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const b of message.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section') {
      expect(b.text !== undefined || (b.fields?.length ?? 0) > 0).toBe(true);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    }
  }
  expect(message.text.length).toBeGreaterThan(0);
}

describe('chatBlocks', () => {
  it('restore drill: header with outcome, RPO and RTO against their targets, a link to the full report', () => {
    const message = chatBlocks(restoreDrill(), { location, url: 'https://reports.example/x.html' });
    expectValidBlockKit(message);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Restore drill PASSED: orders (production)', emoji: true },
    });
    const text = allText(message);
    expect(text).toContain('*RPO*\n:white_check_mark: 42s (target 15m 0s)');
    expect(text).toContain('*RTO*\n:white_check_mark: 3m 5s (target 4h 0m)');
    expect(text).toContain('*Backup age*\n1h 0m');
    expect(text).toContain('All 5 checks passed.');
    expect(text).toContain('<https://reports.example/x.html|full report>');
  });

  it('failed restore drill: breached and unmeasured objectives, failed checks first-hand, escaped, and the reason', () => {
    const message = chatBlocks(failedRestoreDrill(), { location });
    expectValidBlockKit(message);
    const text = allText(message);
    expect(text).toContain('Restore drill FAILED');
    expect(text).toContain('*RPO*\n:x: 20m 0s (target 15m 0s)');
    expect(text).toContain('*RTO*\n:warning: not measured (target 4h 0m)');
    expect(text).toContain('*Failed checks (2 failed, 2 inconclusive):*');
    expect(text).toContain('• *checksums* failed: public.orders: expected 9f2c, got 11ab &lt;x&gt;');
    expect(text).toContain('*Reason:* checksums differ in public.orders');
    expect(text).toContain(`\`${location}\``);
    expect(message.text).toContain(':x: Restore drill FAILED');
  });

  it('backup: backup id, age and restorable-point lag from its details', () => {
    const text = allText(chatBlocks(otherReport('backup'), { location }));
    expect(text).toContain('*Backup id*\nbase-20261102T030000Z');
    expect(text).toContain('*Backup age*\n5s');
    expect(text).toContain('*Restorable-point lag*\n3s');
    expect(text).toContain('*Size*\n120.6 KiB');
    const pruned = allText(
      chatBlocks(
        { ...otherReport('backup'), details: { pruned: ['base-1', 'base-2'], kept: [] } },
        { location },
      ),
    );
    expect(pruned).toContain('*Pruned*\nbase-1, base-2');
    expect(pruned).toContain('*Kept*\nnone');
  });

  it('replay rehearsal: window, events and rate, gaps and duplicates, digest vs golden', () => {
    const text = allText(chatBlocks(otherReport('replay-rehearsal', 'failed'), { location }));
    expect(text).toContain('*Window*\n`ORDERS` 1..1000');
    expect(text).toContain('*Events*\n1000 (2500/s)');
    expect(text).toContain('*Gaps / duplicates*\n1 / 2');
    expect(text).toContain('≠ golden `bbbbbbbbbbbbbbbb`');
    expect(allText(chatBlocks(otherReport('replay-rehearsal'), { location }))).toContain('matches golden');
  });

  it('canary halt: deployment, alarm and the action taken', () => {
    const text = allText(chatBlocks(otherReport('canary-halt'), { location }));
    expect(text).toContain('Canary halt PASSED');
    expect(text).toContain('*Deployment id*\nd-ABC123');
    expect(text).toContain('*Alarm*\norders-5xx-rate');
    expect(text).toContain('*Action*\nstopped with rollback');
  });

  it('secret rotation: the secret and the step it reached', () => {
    const text = allText(chatBlocks(otherReport('secret-rotation', 'failed'), { location }));
    expect(text).toContain('Secret rotation FAILED');
    expect(text).toContain('*Secret id*\norders/db');
    expect(text).toContain('*Step*\nfinishSecret');
    expect(text).toContain('*secret-rotation-check* failed: something is wrong');
  });

  it('rotation audit: how many secrets are flagged, and which', () => {
    const text = allText(chatBlocks(otherReport('rotation-audit', 'failed'), { location }));
    expect(text).toContain('*Secrets flagged*\n1 of 2');
    expect(text).toContain('• *orders/jwt* failed: overdue by 4 days');
  });

  it('lists at most five bad checks and says how many more there are', () => {
    const checks: Report['checks'] = Array.from({ length: 8 }, (_, i) => ({
      name: `c${i}`,
      outcome: 'failed',
      detail: 'x',
    }));
    const text = allText(chatBlocks({ ...restoreDrill(), outcome: 'failed', checks }, { location }));
    expect(text).toContain('• *c4* failed');
    expect(text).not.toContain('• *c5* failed');
    expect(text).toContain('… and 3 more');
  });

  it('keeps every field within Block Kit limits for long, many details', () => {
    const details = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, 'v'.repeat(5000)]));
    const message = chatBlocks(
      { ...otherReport('canary-halt'), details, reason: 'r'.repeat(5000) },
      { location },
    );
    expectValidBlockKit(message);
  });
});
