import { z } from 'zod';
import { parseWith } from '../drillbookConfig.js';
import { type Env, envList, envString } from '../env.js';
import { type RotationAuditInput, rotationAudit } from '../jobs/rotation/rotationAudit.js';
import type { Chat, Metrics, RunbookStore, SecretStore } from '../ports.js';
import { buildAwsPublishers } from './awsPublishers.js';
import { parseAuditEvent } from './events/eventBridge.js';
import { lambdaHandler, logger } from './handler.js';
import { CloudWatchRotationMetrics, combineMetrics } from './rotationMetrics.js';
import { SecretsManagerStore } from './secretsManagerStore.js';

const settingsSchema = z
  .object({
    system: z.string().min(1).default('drillbook'),
    environment: z.string().min(1).default('production'),
    secretIds: z.array(z.string().min(1)),
    tag: z.object({ key: z.string().min(1), value: z.string().optional() }).optional(),
    stage: z.string().min(1).optional(),
    warningDays: z.coerce.number().min(0).max(365).default(7),
    graceHours: z.coerce.number().min(0).max(720).default(24),
    stuckAfterHours: z.coerce.number().min(0).max(720).default(24),
  })
  .refine((s) => s.secretIds.length > 0 || s.tag !== undefined, {
    message: 'set AUDIT_SECRET_IDS or AUDIT_TAG_KEY',
    path: ['secretIds'],
  });

/** What to audit, from the function's environment (serverless.yml). Errors name the variable. */
export function auditSettingsFromEnv(env: Env): RotationAuditInput {
  const tagKey = envString(env, 'AUDIT_TAG_KEY');
  const tagValue = envString(env, 'AUDIT_TAG_VALUE');
  const settings = parseWith(
    settingsSchema,
    {
      system: envString(env, 'DRILLBOOK_SYSTEM'),
      environment: envString(env, 'DRILLBOOK_ENVIRONMENT'),
      secretIds: envList(env, 'AUDIT_SECRET_IDS'),
      tag: tagKey ? { key: tagKey, ...(tagValue ? { value: tagValue } : {}) } : undefined,
      stage: envString(env, 'DRILLBOOK_STAGE'),
      warningDays: envString(env, 'AUDIT_WARNING_DAYS'),
      graceHours: envString(env, 'AUDIT_GRACE_HOURS'),
      stuckAfterHours: envString(env, 'AUDIT_STUCK_AFTER_HOURS'),
    },
    'env AUDIT_*',
  );
  return settings;
}

export interface AuditHandlerDeps {
  env?: Env;
  store?: SecretStore;
  runbook?: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  now?: () => Date;
}

/**
 * The adapters of the audit Lambda: secrets from Secrets Manager, and the publishers every job
 * uses on AWS (buildAwsPublishers: S3 runbook, webhook chat from DRILLBOOK_WEBHOOK_SECRET_ID,
 * report metrics) plus the rotation metrics. Injected adapters win (tests).
 */
export function auditAdapters(deps: AuditHandlerDeps): {
  store: SecretStore;
  runbook: RunbookStore;
  chat?: Chat;
  metrics: Metrics;
} {
  const env = deps.env ?? process.env;
  const region = envString(env, 'AWS_REGION');
  const store =
    deps.store ?? new SecretsManagerStore({ ...(region ? { region } : {}), datePendingVersions: true });
  const rotationMetrics = deps.metrics ?? new CloudWatchRotationMetrics(region ? { region } : {});
  if (deps.runbook) {
    return {
      store,
      runbook: deps.runbook,
      metrics: rotationMetrics,
      ...(deps.chat ? { chat: deps.chat } : {}),
    };
  }
  const publishers = buildAwsPublishers({ config: null, env });
  const chat = deps.chat ?? publishers.chat;
  return {
    store,
    runbook: publishers.runbook,
    metrics: publishers.metrics ? combineMetrics(publishers.metrics, rotationMetrics) : rotationMetrics,
    ...(chat ? { chat } : {}),
  };
}

/** The body of the daily audit Lambda. Returns a summary; a flagged secret is a finding, not an error. */
export function createRotationAuditHandler(deps: AuditHandlerDeps = {}) {
  return async (event: unknown) => {
    parseAuditEvent(event);
    const input = auditSettingsFromEnv(deps.env ?? process.env);
    const adapters = auditAdapters(deps);
    const { report, location } = await rotationAudit(input, {
      ...adapters,
      ...(deps.now ? { now: deps.now } : {}),
    });
    return { reportId: report.id, outcome: report.outcome, location, summary: report.details?.['summary'] };
  };
}

/** The deployed audit function: the handler stack around createRotationAuditHandler, logging the outcome. */
export function rotationAuditHandler() {
  const audit = createRotationAuditHandler();
  return lambdaHandler({ parse: parseAuditEvent }, async (event) => {
    const result = await audit(event);
    logger.info('rotation audit finished', { reportId: result.reportId, outcome: result.outcome });
    return result;
  });
}
