import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../lib/core/htmlReport.js';
import { failedRestoreDrill, restoreDrill } from '../helpers/sampleReports.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium, isolated: a fresh profile, no network chatter, no sandbox (we run as root). */
async function chromium(dir: string, ...args: string[]): Promise<string> {
  const profile = await mkdtemp(join(dir, 'profile-'));
  const { stdout } = await run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

describe('the HTML report in headless Chromium', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: install the Debian package "chromium" (scripts/dev.sh does)`);
    }
    dir = await mkdtemp(join(tmpdir(), 'drillbook-html-'));
    file = join(dir, 'report.html');
    const history = [
      restoreDrill({ startedAt: '2026-09-01T02:00:00.000Z', rpo: 60, rto: 240 }),
      restoreDrill({ startedAt: '2026-10-01T02:00:00.000Z', rpo: 30, rto: 200 }),
      failedRestoreDrill('2026-10-15T02:00:00.000Z'),
    ];
    await writeFile(file, renderHtmlReport(restoreDrill({ startedAt: '2026-11-01T02:00:00.000Z' }), history));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders the phase bars, trend points and target lines into the DOM', async () => {
    const dom = await chromium(dir, '--dump-dom', `file://${file}`);
    expect(dom).toContain('<title>Restore drill passed: orders</title>');
    const phases = [...dom.matchAll(/<rect class="phase-bar" data-phase="([^"]+)"/g)].map((m) => m[1]);
    expect(phases).toEqual(['provision', 'recover', 'verify', 'mask', 'teardown']);
    expect(dom.match(/class="trend-point" data-series="rpo"/g)).toHaveLength(4);
    expect(dom.match(/class="trend-point" data-series="rto"/g)).toHaveLength(3);
    expect(dom).toContain('class="target-line" data-series="rpo"');
    expect(dom).toContain('class="rto-marker"');
    expect(dom).toMatch(/id="outcome">passed</);
  });

  it('renders to a non-blank screenshot', async () => {
    const png = join(dir, 'report.png');
    await chromium(dir, '--window-size=900,1400', `--screenshot=${png}`, `file://${file}`);
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    // A blank page compresses to a few kB; a rendered report with charts does not.
    expect((await stat(png)).size).toBeGreaterThan(20_000);
  });
});
