import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temp folder for the whole test run: every test's mkdtemp (and the throwaway servers' data
 * folders) lands under it through TMPDIR, and it is removed when the run ends, so no test leaves
 * folders behind in /tmp whether or not it cleans up after itself. Traversable (0755): the
 * servers run as an unprivileged user below it.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-tests-'));
  chmodSync(dir, 0o755);
  process.env['TMPDIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
