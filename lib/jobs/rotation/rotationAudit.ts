import { randomBytes } from 'node:crypto';
import type { Report } from '../../core/report.js';
import {
  type AuditPolicy,
  auditCheck,
  classifySecret,
  type SecretAuditResult,
  summarizeAudit,
} from '../../core/rotation/audit.js';
import { SecretNotFoundError } from '../../core/rotation/errors.js';
import type { Chat, Metrics, RunbookStore, SecretDescription, SecretStore } from '../../ports.js';
import { publishReport } from '../publish.js';
import { startRun } from '../startRun.js';

/** The tag marking secrets drillbook rotates (the audit's default selection). */
export const ROTATION_TAG = 'drillbook:rotation';
/** The tag naming the stage whose stack rotates a secret (same key as lib/aws/tags.ts TAG.stage). */
export const STAGE_TAG = 'drillbook:stage';

export interface RotationAuditInput extends AuditPolicy {
  system: string;
  environment: string;
  /** Secrets to audit by id (name or ARN). */
  secretIds: string[];
  /** And/or every secret carrying this tag. */
  tag?: { key: string; value?: string };
  /**
   * The deployment stage (DRILLBOOK_STAGE): when set, the tag selection keeps only secrets tagged
   * drillbook:stage=<stage> exactly, so a staging stack never audits production's secrets.
   */
  stage?: string;
}

export interface RotationAuditDeps {
  store: SecretStore;
  runbook: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  /** Where publishing problems are noted (chat/metrics failures never fail the job). */
  warn?: (message: string) => void;
  now?: () => Date;
}

/**
 * The daily audit: flags secrets whose rotation is disabled, overdue, due soon or stuck, writes a
 * "rotation-audit" report, publishes metrics, and posts to chat only when something is flagged.
 */
export async function rotationAudit(
  input: RotationAuditInput,
  deps: RotationAuditDeps,
): Promise<{ report: Report; location: string; results: SecretAuditResult[] }> {
  const now = deps.now ?? (() => new Date());
  const at = now();
  const recorder = startRun('rotation-audit', input, { now, at, idSuffix: randomBytes(3).toString('hex') });
  if (input.stage !== undefined) recorder.details['stage'] = input.stage;
  const results: SecretAuditResult[] = [];
  let missing = 0;
  try {
    const secrets = await recorder.phase('list secrets', async () => {
      const found = new Map<string, SecretDescription>();
      if (input.tag) {
        const tagged = await deps.store.list({
          tagKey: input.tag.key,
          ...(input.tag.value !== undefined ? { tagValue: input.tag.value } : {}),
          ...(input.stage !== undefined ? { alsoTagged: { [STAGE_TAG]: input.stage } } : {}),
        });
        for (const s of tagged) found.set(s.id, s);
      }
      for (const id of input.secretIds) {
        if ([...found.values()].some((s) => s.id === id || s.name === id)) continue;
        try {
          const s = await deps.store.describe(id);
          found.set(s.id, s);
        } catch (error) {
          if (!(error instanceof SecretNotFoundError)) throw error;
          missing += 1;
          recorder.check(`secret ${id}`, 'failed', 'configured secret not found');
        }
      }
      return [...found.values()];
    });
    await recorder.phase('classify', async () => {
      for (const secret of secrets) {
        const result = classifySecret(secret, at, input);
        results.push(result);
        recorder.addChecks([auditCheck(result)]);
      }
    });
  } catch (error) {
    recorder.fail(error);
  }
  const summary = { ...summarizeAudit(results), missing };
  recorder.details['summary'] = summary;
  recorder.details['secrets'] = results.map((r) => ({
    id: r.id,
    name: r.name,
    flags: r.flags,
    daysUntilRotation: r.daysUntilRotation,
  }));
  const report = recorder.finish();
  const alarm = summary.flagged > 0 || missing > 0 || report.outcome !== 'passed';
  const location = await publishReport(report, {
    runbook: deps.runbook,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.warn ? { warn: deps.warn } : {}),
    ...(deps.chat && alarm ? { chat: deps.chat } : {}),
  });
  return { report, location, results };
}
