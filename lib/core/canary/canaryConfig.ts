import { z } from 'zod';

/**
 * The `canary` section of the drillbook config: which guardrail alarms halt which CodeDeploy
 * deployment group, and how the lifecycle hooks judge a canary. Pure schema, no I/O.
 */

const nameLike = z.string().min(1).max(255);

export const alarmMatchSchema = z
  .strictObject({
    /** Exact alarm names. */
    names: z.array(nameLike).default([]),
    /** Alarm-name prefixes (e.g. "checkout-canary-"). */
    prefixes: z.array(nameLike).default([]),
    /** Alarm tags that must all be present with these values (read with cloudwatch:ListTagsForResource). */
    tags: z.record(z.string().min(1), z.string()).default({}),
  })
  .refine((m) => m.names.length + m.prefixes.length + Object.keys(m.tags).length > 0, {
    message: 'must name at least one alarm name, prefix or tag',
  });

export const thresholdsSchema = z
  .strictObject({
    /** Absolute guardrail from the product runbooks: a canary error rate above this halts. */
    maxErrorRate: z.number().min(0).max(1).default(0.05),
    /** Canary error rate may exceed the baseline's by at most this much (absolute, 0.01 = 1 point)... */
    maxErrorRateIncrease: z.number().min(0).max(1).default(0.01),
    /** ...unless the difference is within noise: one-sided two-proportion z-score needed to call it real. */
    minZScore: z.number().positive().default(2.33),
    /** p95 latency regression allowed, as a ratio of the baseline (0.2 = 20 % slower)... */
    maxP95Regression: z.number().min(0).default(0.2),
    /** ...and as an absolute floor in ms, so 2 ms -> 3 ms is not a "50 % regression". */
    minP95RegressionMs: z.number().min(0).default(25),
    /** Fewer requests than this (canary or baseline) in the window: inconclusive, never a pass. */
    minSamples: z.number().int().min(1).default(100),
  })
  .default({
    maxErrorRate: 0.05,
    maxErrorRateIncrease: 0.01,
    minZScore: 2.33,
    maxP95Regression: 0.2,
    minP95RegressionMs: 25,
    minSamples: 100,
  });

export const sliSchema = z.strictObject({
  namespace: z.string().min(1).default('AWS/Lambda'),
  requestsMetric: z.string().min(1).default('Invocations'),
  errorsMetric: z.string().min(1).default('Errors'),
  latencyMetric: z.string().min(1).default('Duration'),
  /** Dimensions shared by canary and baseline (e.g. FunctionName and Resource "fn:alias"). */
  dimensions: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** The dimension whose value is the version (Lambda publishes ExecutedVersion for alias invocations). */
  versionDimension: z.string().min(1).default('ExecutedVersion'),
  /** Judge this many minutes back from the hook (bounded by the deployment's start). */
  windowMinutes: z.number().int().min(1).max(1440).default(30),
  periodSeconds: z.number().int().min(60).multipleOf(60).default(60),
});

const probeCommon = {
  name: z.string().min(1),
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  /** Attempts before the probe fails (bounded; a fresh version may need a moment). */
  attempts: z.number().int().min(1).max(10).default(3),
};

/** An HTTP health/readiness endpoint of the new version; `{version}` in the URL is replaced. */
export const httpProbeSchema = z.strictObject({
  ...probeCommon,
  url: z.url(),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  expectStatus: z.number().int().min(100).max(599).default(200),
});

/**
 * A test invoke of the new Lambda version: `functionName` is invoked with qualifier = the
 * deployment's target version; the probe passes when the function returns without FunctionError
 * (and, with `expectPayloadContains`, when its response contains that text).
 */
export const lambdaProbeSchema = z.strictObject({
  ...probeCommon,
  invoke: z.strictObject({
    functionName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Lambda function name'),
    /** Version or alias to invoke; default: the deployment's target version. */
    qualifier: z
      .string()
      .regex(/^[A-Za-z0-9_$-]{1,128}$/, 'must be a version or alias')
      .optional(),
    payload: z.record(z.string(), z.unknown()).default({}),
    expectPayloadContains: z.string().optional(),
  }),
});

export const probeSchema = z.union([httpProbeSchema, lambdaProbeSchema]);

export const hooksSchema = z.strictObject({
  thresholds: thresholdsSchema,
  sli: sliSchema.optional(),
  probes: z.array(probeSchema).default([]),
});

export const canaryGroupSchema = z.strictObject({
  application: nameLike,
  deploymentGroup: nameLike,
  /** The system name used in reports (default: the application). */
  system: z.string().min(1).optional(),
  alarms: alarmMatchSchema,
  hooks: hooksSchema.optional(),
});

export const canaryConfigSchema = z.strictObject({
  environment: z.string().min(1).default('production'),
  /** Deployments created this long before the alarm are still considered. */
  lookbackMinutes: z.number().int().min(1).max(1440).default(180),
  groups: z.array(canaryGroupSchema).min(1, 'must list at least one deployment group'),
});

export type CanaryConfig = z.infer<typeof canaryConfigSchema>;
export type CanaryGroup = z.infer<typeof canaryGroupSchema>;
export type Thresholds = z.infer<typeof thresholdsSchema>;
export type SliConfig = z.infer<typeof sliSchema>;
export type ProbeConfig = z.infer<typeof probeSchema>;
export type HttpProbeConfig = z.infer<typeof httpProbeSchema>;
export type LambdaProbeConfig = z.infer<typeof lambdaProbeSchema>;

export const defaultThresholds: Thresholds = thresholdsSchema.parse(undefined);

export function groupKey(application: string, deploymentGroup: string): string {
  return `${application}/${deploymentGroup}`;
}

export function findGroup(config: CanaryConfig, application: string, deploymentGroup: string) {
  return config.groups.find((g) => g.application === application && g.deploymentGroup === deploymentGroup);
}
