import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../lib/core/htmlReport.js';
import { failedRestoreDrill, otherReport, restoreDrill } from '../helpers/sampleReports.js';

const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('renderHtmlReport', () => {
  const history = [
    restoreDrill({ startedAt: '2026-09-01T02:00:00.000Z', rpo: 60, rto: 240 }),
    failedRestoreDrill('2026-10-15T02:00:00.000Z'),
    restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z', rpo: 30, rto: 200 }),
    restoreDrill({ system: 'billing', id: 'restore-drill-billing-1', startedAt: '2026-10-02T02:00:00.000Z' }),
    otherReport('backup'),
  ];

  it('is self-contained: no scripts, no external stylesheets, images or fonts', () => {
    const html = renderHtmlReport(restoreDrill(), history);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
  });

  it('draws one timeline bar per phase, placed in order, coloured by outcome', () => {
    const html = renderHtmlReport(failedRestoreDrill(), []);
    const bars = [
      ...html.matchAll(/<rect class="phase-bar" data-phase="([^"]+)" data-outcome="([^"]+)" x="([\d.]+)"/g),
    ];
    expect(bars.map((b) => [b[1], b[2]])).toEqual([
      ['provision', 'passed'],
      ['recover', 'passed'],
      ['verify', 'failed'],
      ['mask', 'skipped'],
      ['teardown', 'passed'],
    ]);
    const xs = bars.map((b) => Number(b[3]));
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it("charts RPO and RTO over the same system's earlier drills plus this one, with the target", () => {
    const html = renderHtmlReport(restoreDrill({ startedAt: '2026-11-01T02:00:00.000Z' }), history);
    // 3 earlier orders drills + this one; the failed drill has no RTO (drawn as "n/a").
    expect(count(html, 'class="trend-point" data-series="rpo"')).toBe(4);
    expect(count(html, 'class="trend-point" data-series="rto"')).toBe(3);
    expect(count(html, 'class="trend-missing"')).toBe(1);
    expect(html).toContain('class="target-line" data-series="rpo"');
    // RTO target (4 h) is far above minutes-long RTOs: named, not drawn.
    expect(html).toContain('class="target-offscale" data-series="rto"');
    expect(html).not.toContain('2026-10-02T02:00'); // billing's drill is not in orders' trend
    expect(html).toContain('The last 4 runs of this kind for orders');
  });

  it('escapes text from the report', () => {
    const html = renderHtmlReport({ ...failedRestoreDrill(), reason: '<img src=x onerror=alert(1)>' }, []);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });

  it('shows replay figures and charts the replay rate for a replay rehearsal', () => {
    const html = renderHtmlReport(otherReport('replay-rehearsal', 'failed'), []);
    expect(html).toContain('id="replay"');
    expect(html).toContain('differs from the golden digest');
    expect(count(html, 'class="trend-point" data-series="rate"')).toBe(1);
  });
});
