/**
 * npm run bench:demo [-- --scale 10]
 *
 * Times `drillbook demo` end to end on local defaults (a fresh process, as a user runs it) and
 * prints the wall-clock seconds and each job's outcome. Target: under 5 minutes on this machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '10' } } });
const dir = mkdtempSync(join(tmpdir(), 'drillbook-bench-demo-'));
try {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    ['bin/drillbook.mjs', 'demo', '--dir', dir, '--scale', values.scale, '--json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const steps = JSON.parse(result.stdout || '[]') as { job: string; outcome: string }[];
  process.stdout.write(
    `${JSON.stringify({ scale: Number(values.scale), seconds: Number(seconds.toFixed(1)), targetSeconds: 300, exitCode: result.status, steps: steps.map((s) => `${s.job}:${s.outcome}`) }, null, 2)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
