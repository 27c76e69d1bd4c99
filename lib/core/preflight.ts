/**
 * The result of `drillbook preflight`: one check per thing a drill needs, each passed, failed
 * (with what is missing) or skipped (could not be checked from here, with why). Pure.
 */
export interface PreflightCheck {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  detail: string;
}

const marks: Record<PreflightCheck['outcome'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

/** "PASS source-instance: shop-db exists (available)". */
export function preflightLine(check: PreflightCheck): string {
  return `${marks[check.outcome]} ${check.name}: ${check.detail}`;
}

/** Every check passed or was skipped. */
export function preflightPassed(checks: readonly PreflightCheck[]): boolean {
  return checks.every((c) => c.outcome !== 'failed');
}

/** An AWS error as "Name: message", the way a check names what is missing. */
export function awsErrorText(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' && e.message !== name ? e.message : '';
  return message ? `${name}: ${message}` : name;
}
