import { randomBytes } from 'node:crypto';
import {
  type CanaryConfig,
  type CanaryGroup,
  defaultThresholds,
  findGroup,
  type ProbeConfig,
} from '../../core/canary/canaryConfig.js';
import type { DeploymentState, HookStatus } from '../../core/canary/deployments.js';
import { hookStatusFor, judgeCanary } from '../../core/canary/judge.js';
import { ConfigError, describeError } from '../../core/errors.js';
import type { Now, RunRecorder } from '../../core/recorder.js';
import type { Report } from '../../core/report.js';
import type { CanaryDeployments, Chat, Metrics, RunbookStore, SliSource, SmokeProber } from '../../ports.js';
import { publishReport } from '../publish.js';
import { startRun } from '../startRun.js';

/** What CodeDeploy passes a lifecycle hook function. */
export interface HookInvocation {
  deploymentId: string;
  hookExecutionId: string;
}

export interface CanaryHookDeps {
  config: CanaryConfig;
  deployments: CanaryDeployments;
  slis?: SliSource;
  prober?: SmokeProber;
  runbook: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  now?: Now;
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

export interface CanaryHookResult {
  status: HookStatus;
  report: Report;
  location: string;
}

export type HookName = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

/** BeforeAllowTraffic: smoke probes against the new version before any traffic shifts. */
export function runBeforeAllowTraffic(hook: HookInvocation, deps: CanaryHookDeps): Promise<CanaryHookResult> {
  return runHook('BeforeAllowTraffic', hook, deps, async (rec, group, deployment, _now, signal) => {
    const probes = group.hooks?.probes ?? [];
    if (probes.length === 0) {
      rec.check(
        'smoke probes',
        'inconclusive',
        `no probes configured for ${label(group)}; nothing was verified`,
      );
      return;
    }
    const prober = deps.prober;
    if (!prober) throw new ConfigError('prober', 'smoke probes are configured but no prober is wired');
    const needsVersion = probes.some(
      (p) => 'invoke' in p || p.url.includes('{version}') || p.url.includes('%7Bversion%7D'),
    );
    const target = needsVersion
      ? (await deps.deployments.versions(deployment.deploymentId)).targetVersion
      : '';
    await rec.phase('smoke probes', async () => {
      for (const probe of probes) rec.addChecks([await prober.probe(withVersion(probe, target), signal)]);
    });
  });
}

/** AfterAllowTraffic: judge canary vs baseline SLIs over the canary window. */
export function runAfterAllowTraffic(hook: HookInvocation, deps: CanaryHookDeps): Promise<CanaryHookResult> {
  return runHook('AfterAllowTraffic', hook, deps, async (rec, group, deployment, now, signal) => {
    const sli = group.hooks?.sli;
    if (!sli)
      throw new ConfigError(`canary groups ${label(group)} hooks.sli`, 'is required for AfterAllowTraffic');
    const slis = deps.slis;
    if (!slis) throw new ConfigError('slis', 'no SLI source is wired');
    const versions = await rec.phase('read versions', () =>
      deps.deployments.versions(deployment.deploymentId),
    );
    const end = now();
    const earliest = end.getTime() - sli.windowMinutes * 60_000;
    const start = new Date(Math.max(earliest, deployment.createTime?.getTime() ?? earliest));
    const window = { start, end };
    const [canary, baseline] = await rec.phase('read SLIs', () =>
      Promise.all([
        slis.fetch(sli, versions.targetVersion, window, signal),
        slis.fetch(sli, versions.currentVersion, window, signal),
      ]),
    );
    const verdict = judgeCanary(canary, baseline, group.hooks?.thresholds ?? defaultThresholds);
    rec.addChecks(verdict.checks);
    rec.details['judge'] = {
      outcome: verdict.outcome,
      window: { start: start.toISOString(), end: end.toISOString() },
      canary: { version: versions.targetVersion, ...verdict.canary },
      baseline: { version: versions.currentVersion, ...verdict.baseline },
    };
  });
}

type HookBody = (
  rec: RunRecorder,
  group: CanaryGroup,
  deployment: DeploymentState,
  now: Now,
  /** Aborted once the body is done (the verdict is settled): reads still retrying stop. */
  signal: AbortSignal,
) => Promise<void>;

/**
 * The shape both hooks share: find the deployment and its config, run the body, and ALWAYS answer
 * CodeDeploy, also when the body throws (then: Failed). Only a passed report lets traffic move;
 * inconclusive fails the hook. The report is published after the answer, so a slow runbook store
 * never holds a deployment.
 */
async function runHook(
  name: HookName,
  hook: HookInvocation,
  deps: CanaryHookDeps,
  body: HookBody,
): Promise<CanaryHookResult> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  let group: CanaryGroup | undefined;
  let rec = recorder(deps, name, hook, 'unknown', started, now);
  // One failed read settles the verdict (Promise.all rejects) while its sibling may still be
  // retrying in the background: abort it once the body is done, before CodeDeploy is answered.
  const settled = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, settled.signal]) : settled.signal;
  try {
    const deployment = await deps.deployments.getDeployment(hook.deploymentId);
    group = findGroup(deps.config, deployment.applicationName, deployment.deploymentGroupName);
    rec = recorder(deps, name, hook, group?.system ?? deployment.applicationName, started, now);
    rec.details['deployment'] = {
      id: deployment.deploymentId,
      application: deployment.applicationName,
      deploymentGroup: deployment.deploymentGroupName,
      status: deployment.status,
    };
    if (!group) {
      throw new ConfigError(
        'canary.groups',
        `no entry for ${deployment.applicationName}/${deployment.deploymentGroupName}; refusing to pass an unjudged deployment`,
      );
    }
    await body(rec, group, deployment, now, signal);
  } catch (error) {
    rec.check('hook', 'failed', `${name} could not judge the deployment: ${describeError(error)}`);
    rec.fail(error);
  } finally {
    settled.abort(new Error(`${name} verdict settled`));
  }
  const provisional = rec.finish();
  const status = hookStatusFor(provisional.outcome);
  rec.details['hookStatus'] = status;
  let answerError: unknown;
  try {
    await rec.phase('report hook status', () =>
      deps.deployments.putHookStatus(hook.deploymentId, hook.hookExecutionId, status),
    );
  } catch (error) {
    answerError = error;
    rec.fail(error);
  }
  const verdict = `Canary verdict ${provisional.outcome.toUpperCase()}`;
  rec.details['summary'] =
    answerError === undefined
      ? `${verdict}: answered ${status}, ${status === 'Failed' ? 'CodeDeploy rolls back' : 'traffic moves on'} (${name}, ${hook.deploymentId})`
      : `${verdict}: could NOT answer ${status} to CodeDeploy (${name}, ${hook.deploymentId})`;
  const report = rec.finish();
  const location = await publishReport(report, deps);
  if (answerError !== undefined) throw answerError; // let the invocation be retried: the answer matters
  return { status, report, location };
}

function recorder(
  deps: CanaryHookDeps,
  name: HookName,
  hook: HookInvocation,
  system: string,
  at: Date,
  now: Now,
) {
  const rec = startRun(
    'canary-verdict',
    { system, environment: deps.config.environment },
    { now: () => now(), at, idSuffix: `${name}-${hook.deploymentId}-${randomBytes(3).toString('hex')}` },
  );
  rec.details['hook'] = name;
  rec.details['hookExecutionId'] = hook.hookExecutionId;
  return rec;
}

/** The probe aimed at the new version: `{version}` in an HTTP URL, the qualifier of a test invoke. */
function withVersion(probe: ProbeConfig, version: string): ProbeConfig {
  if (!version) return probe;
  if ('invoke' in probe) return { ...probe, invoke: { qualifier: version, ...probe.invoke } };
  return { ...probe, url: probe.url.replaceAll('{version}', version).replaceAll('%7Bversion%7D', version) };
}

function label(group: CanaryGroup): string {
  return `${group.application}/${group.deploymentGroup}`;
}
