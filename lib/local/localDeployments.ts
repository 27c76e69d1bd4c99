import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SliConfig } from '../core/canary/canaryConfig.js';
import {
  type DeploymentState,
  type DeploymentVersions,
  deploymentStatuses,
  type HookStatus,
  inFlightStatuses,
  type StopResult,
} from '../core/canary/deployments.js';
import type { SliSeries } from '../core/canary/judge.js';
import { toInputError } from '../core/canary/validation.js';
import { DrillbookError, InputError } from '../core/errors.js';
import type { AlarmTags, CanaryDeployments, SliSource } from '../ports.js';

/**
 * A local stand-in for CodeDeploy: a JSON file of deployments with their statuses, read and
 * updated by the same port the CodeDeploy adapter implements. Stopping an in-flight deployment
 * marks it Stopped and records a rollback deployment, as CodeDeploy does with autoRollbackEnabled.
 */

const isoTime = z.iso.datetime({ offset: true });
const datapoint = z.object({ at: z.string(), value: z.number() });

const localDeploymentSchema = z.object({
  deploymentId: z.string().min(1),
  applicationName: z.string().min(1),
  deploymentGroupName: z.string().min(1),
  status: z.enum(deploymentStatuses),
  createTime: isoTime,
  completeTime: isoTime.nullable().default(null),
  creator: z.string().default('user'),
  rollbackOf: z.string().nullable().default(null),
  versions: z
    .object({
      functionName: z.string(),
      alias: z.string(),
      currentVersion: z.string(),
      targetVersion: z.string(),
    })
    .optional(),
  stopRequests: z.array(z.object({ at: isoTime, autoRollbackEnabled: z.boolean() })).default([]),
  hookStatuses: z
    .array(z.object({ hookExecutionId: z.string(), status: z.enum(['Succeeded', 'Failed']), at: isoTime }))
    .default([]),
});

export const localRegistrySchema = z.object({
  deployments: z.array(localDeploymentSchema).default([]),
  /** Alarm ARN -> tags, for guardrails matched by tag. */
  alarmTags: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Version -> SLI series, for the after-traffic judge on one machine. */
  metrics: z
    .record(
      z.string(),
      z.object({ requests: z.array(datapoint), errors: z.array(datapoint), p95Ms: z.array(datapoint) }),
    )
    .default({}),
});

export type LocalRegistry = z.infer<typeof localRegistrySchema>;
export type LocalDeployment = z.infer<typeof localDeploymentSchema>;

export class UnknownDeploymentError extends DrillbookError {}

export class LocalDeployments implements CanaryDeployments, AlarmTags, SliSource {
  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async read(): Promise<LocalRegistry> {
    if (!existsSync(this.file)) throw new InputError('--registry', `file not found: ${this.file}`);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.file, 'utf8'));
    } catch (error) {
      throw new InputError('--registry', `${this.file} is not valid JSON`, { cause: error });
    }
    const parsed = localRegistrySchema.safeParse(raw);
    if (!parsed.success) throw toInputError(parsed.error, 'registry', raw);
    return parsed.data;
  }

  async write(registry: LocalRegistry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(registry, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  async recentDeployments(application: string, group: string, since: Date): Promise<DeploymentState[]> {
    const registry = await this.read();
    return registry.deployments
      .filter(
        (d) =>
          d.applicationName === application &&
          d.deploymentGroupName === group &&
          new Date(d.createTime).getTime() >= since.getTime(),
      )
      .map(toState);
  }

  async getDeployment(deploymentId: string): Promise<DeploymentState> {
    return toState(find(await this.read(), deploymentId));
  }

  async versions(deploymentId: string): Promise<DeploymentVersions> {
    const d = find(await this.read(), deploymentId);
    if (!d.versions)
      throw new InputError('registry.deployments', `deployment ${deploymentId} has no versions`);
    return d.versions;
  }

  async stopDeployment(deploymentId: string): Promise<StopResult> {
    const registry = await this.read();
    const d = find(registry, deploymentId);
    if (!inFlightStatuses.includes(d.status)) {
      return { status: 'AlreadyCompleted', message: `deployment ${deploymentId} is already ${d.status}` };
    }
    const at = this.now().toISOString();
    d.stopRequests.push({ at, autoRollbackEnabled: true });
    d.status = 'Stopped';
    d.completeTime = at;
    registry.deployments.push({
      deploymentId: `${deploymentId}-rollback`,
      applicationName: d.applicationName,
      deploymentGroupName: d.deploymentGroupName,
      status: 'Succeeded',
      createTime: at,
      completeTime: at,
      creator: 'codeDeployRollback',
      rollbackOf: deploymentId,
      stopRequests: [],
      hookStatuses: [],
    });
    await this.write(registry);
    return { status: 'Succeeded', message: 'stopped; rollback deployment recorded' };
  }

  async putHookStatus(deploymentId: string, hookExecutionId: string, status: HookStatus): Promise<void> {
    const registry = await this.read();
    const d = find(registry, deploymentId);
    if (d.hookStatuses.some((h) => h.hookExecutionId === hookExecutionId)) return; // answered already
    d.hookStatuses.push({ hookExecutionId, status, at: this.now().toISOString() });
    await this.write(registry);
  }

  async tagsOf(alarmArn: string): Promise<Record<string, string>> {
    return (await this.read()).alarmTags[alarmArn] ?? {};
  }

  async fetch(_sli: SliConfig, version: string, window: { start: Date; end: Date }): Promise<SliSeries> {
    const series = (await this.read()).metrics[version];
    if (!series) return { requests: [], errors: [], p95Ms: [] };
    const inWindow = (p: { at: string }) => {
      const t = new Date(p.at).getTime();
      return t >= window.start.getTime() && t <= window.end.getTime();
    };
    return {
      requests: series.requests.filter(inWindow),
      errors: series.errors.filter(inWindow),
      p95Ms: series.p95Ms.filter(inWindow),
    };
  }
}

function find(registry: LocalRegistry, deploymentId: string): LocalDeployment {
  const d = registry.deployments.find((x) => x.deploymentId === deploymentId);
  if (!d) throw new UnknownDeploymentError(`no deployment ${deploymentId} in the local registry`);
  return d;
}

function toState(d: LocalDeployment): DeploymentState {
  return {
    deploymentId: d.deploymentId,
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    status: d.status,
    createTime: new Date(d.createTime),
    completeTime: d.completeTime ? new Date(d.completeTime) : null,
    creator: d.creator,
    rollbackOf: d.rollbackOf,
  };
}
