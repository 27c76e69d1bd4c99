import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildPublishers } from '../../lib/buildPublishers.js';
import { runDemo } from '../../lib/demo/runDemo.js';

describe('drillbook demo', () => {
  it('runs every job end to end on throwaway servers and leaves a browsable runbook behind', async () => {
    // Only what this run leaves matters: another demo on the machine may have folders of its own.
    const before = new Set(readdirSync(tmpdir()));
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-demo-test-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const printed: string[] = [];
    const progress: string[] = [];
    const steps = await runDemo({
      dir,
      scale: 1,
      progress: { step: (m) => progress.push(m) },
      signal: new AbortController().signal,
      publishers: (runbookDir) =>
        buildPublishers({
          target: 'local',
          config: null,
          runbookDir,
          print: (t) => printed.push(t),
          warn: () => {},
        }),
    });

    expect(steps.map((s) => `${s.job}:${s.outcome}`)).toEqual([
      'backup:passed',
      'restore-drill:passed',
      'replay:passed',
      'secret-rotation:passed',
      'rotation-audit:passed',
      'canary-halt:passed',
    ]);
    const kinds = readdirSync(join(dir, 'runbook', 'reports')).sort();
    expect(kinds).toEqual([
      'backup',
      'canary-halt',
      'replay-rehearsal',
      'restore-drill',
      'rotation-audit',
      'secret-rotation',
    ]);
    const runbook = readFileSync(join(dir, 'runbook', 'RUNBOOK.md'), 'utf8');
    expect(runbook).toMatch(/\| demo \| \d{4}-\d{2}-\d{2} \| passed \|/);
    expect(printed.some((t) => t.includes('Restore drill PASSED'))).toBe(true);
    // Everything the demo started is gone: no staging cluster, no temp folder with a live server.
    const leftovers = readdirSync(tmpdir()).filter(
      (n) => n.startsWith('drillbook-demo-') && !n.startsWith('drillbook-demo-test-') && !before.has(n),
    );
    expect(leftovers.filter((n) => existsSync(join(tmpdir(), n, 'source')))).toEqual([]);
    expect(progress.at(-1)).toBe('stopping the demo servers');
  });
});
