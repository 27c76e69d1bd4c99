import { z } from 'zod';

/**
 * The `reporting` section of the config file: how reports are published beyond the runbook
 * store and chat settings (`runbook`, `chat`), which the base schema already has.
 */
export const reportingSchema = z
  .strictObject({
    /** KMS key (id, ARN or alias) for the S3 runbook store; without it objects use SSE-S3 (AES256). */
    kmsKeyId: z.string().min(1).optional(),
    /** CloudWatch namespace of the report metrics (AWS target). */
    metricsNamespace: z
      .string()
      .regex(
        /^[A-Za-z0-9.\-_/#:]{1,255}$/,
        'must be a CloudWatch namespace like "Drillbook" or "Acme/Drillbook"',
      )
      .refine((s) => !s.startsWith('AWS/'), 'must not start with "AWS/" (reserved)')
      .default('Drillbook'),
    /** Where the runbook store is browsable over HTTP; chat links to `<linkBaseUrl>/<key>.html`. */
    linkBaseUrl: z.url().optional(),
    /** Attempts per chat post, first included (bounded retries with backoff). */
    chatMaxAttempts: z.number().int().min(1).max(10).default(4),
  })
  .default({ metricsNamespace: 'Drillbook', chatMaxAttempts: 4 });

export type ReportingConfig = z.infer<typeof reportingSchema>;
