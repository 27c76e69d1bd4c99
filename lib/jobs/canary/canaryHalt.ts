import { randomBytes } from 'node:crypto';
import { type AlarmTransition, actsOn, parseAlarmEvent } from '../../core/canary/alarmEvent.js';
import type { CanaryConfig, CanaryGroup } from '../../core/canary/canaryConfig.js';
import { groupsGuardedBy, needsAlarmTags } from '../../core/canary/guardrails.js';
import { type HaltDecision, planHalt } from '../../core/canary/haltPlan.js';
import { describeError } from '../../core/errors.js';
import { formatDuration } from '../../core/objectives.js';
import type { Now, RunRecorder } from '../../core/recorder.js';
import type { Report } from '../../core/report.js';
import type { AlarmTags, CanaryDeployments, Chat, Metrics, RunbookStore } from '../../ports.js';
import { publishReport } from '../publish.js';
import { startRun } from '../startRun.js';

export interface CanaryHaltDeps {
  config: CanaryConfig;
  deployments: CanaryDeployments;
  /** Needed only when a group matches alarms by tag. */
  alarmTags?: AlarmTags;
  runbook: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  now?: Now;
  warn?: (message: string) => void;
}

/** One deployment in the halt report (`details.deployments`). */
export interface HaltedDeployment {
  deploymentId: string;
  application: string;
  deploymentGroup: string;
  statusBefore: string;
  action: HaltDecision['action'];
  reason: HaltDecision['reason'];
  detail: string;
  stopStatus?: string;
  stopRequestedAt?: string;
  /** From the alarm's state-change timestamp to the StopDeployment call. */
  timeToHaltSeconds?: number;
  error?: string;
}

export interface CanaryHaltResult {
  /** ignored: not a guardrail alarm; recorded: OK/INSUFFICIENT_DATA; acted: ALARM handled. */
  action: 'ignored' | 'recorded' | 'acted';
  transition: AlarmTransition;
  report: Report | null;
  location: string | null;
  stopped: string[];
}

/**
 * The alarm-driven halt: a guardrail alarm's transition into ALARM stops the in-flight
 * deployments of the deployment groups it guards, with rollback. Safe under redelivery and under
 * several alarms firing at once: a deployment that is stopped, stopping (asked by an earlier
 * run), finished, created after the alarm, or a rollback is never stopped again, only reported.
 * Throws InputError for an event that is not a CloudWatch Alarm State Change.
 */
export async function runCanaryHalt(event: unknown, deps: CanaryHaltDeps): Promise<CanaryHaltResult> {
  const transition = parseAlarmEvent(event);
  const now = deps.now ?? (() => new Date());
  const tags =
    needsAlarmTags(deps.config) && deps.alarmTags ? await deps.alarmTags.tagsOf(transition.alarmArn) : null;
  const groups = groupsGuardedBy(deps.config, transition.alarmName, tags);
  if (groups.length === 0)
    return { action: 'ignored', transition, report: null, location: null, stopped: [] };

  const system = systemName(groups);
  const rec = startRun(
    'canary-halt',
    { system, environment: deps.config.environment },
    { now, idSuffix: `${transition.alarmName}-${randomBytes(3).toString('hex')}` },
  );
  rec.details['eventId'] = transition.eventId;
  rec.details['alarm'] = {
    name: transition.alarmName,
    arn: transition.alarmArn,
    state: transition.state,
    previousState: transition.previousState,
    reason: transition.reason,
    changedAt: transition.changedAt.toISOString(),
  };
  rec.details['groups'] = groups.map((g) => `${g.application}/${g.deploymentGroup}`);
  rec.check(
    'alarm event',
    'passed',
    `${transition.alarmName}: ${transition.previousState ?? '?'} -> ${transition.state} at ${transition.changedAt.toISOString()}`,
  );

  if (!actsOn(transition)) {
    rec.check('halt', 'skipped', `${transition.state} is recorded, not acted on; only ALARM halts`);
    rec.details['summary'] = `${transition.alarmName} is ${transition.state}: recorded, no action`;
    const report = rec.finish();
    // Recorded in the runbook, but not worth a chat message.
    const location = await publishReport(report, { runbook: deps.runbook, warn: deps.warn });
    return { action: 'recorded', transition, report, location, stopped: [] };
  }

  // Earlier halts are read while CodeDeploy is listed: the ledger must not delay the stop.
  const priorRead = priorHalts(deps, transition.eventId);
  const entries: HaltedDeployment[] = [];
  for (const group of groups) {
    await haltGroup(group, transition, priorRead, deps, rec, entries, now);
  }
  const prior = await priorRead;
  if (prior.sameEvent.length > 0) {
    rec.check(
      'redelivery',
      'skipped',
      `event ${transition.eventId} was handled before by ${prior.sameEvent.join(', ')}`,
    );
  }
  rec.details['deployments'] = entries;
  const times = entries.flatMap((e) => (e.timeToHaltSeconds === undefined ? [] : [e.timeToHaltSeconds]));
  if (times.length > 0) rec.details['timeToHaltSeconds'] = Math.max(...times);
  const stopped = entries
    .filter((e) => e.stopRequestedAt !== undefined && !e.error)
    .map((e) => e.deploymentId);
  rec.details['summary'] = summaryLine(transition, entries, stopped, times);
  const report = rec.finish();
  const location = await publishReport(report, deps);
  return { action: 'acted', transition, report, location, stopped };
}

async function haltGroup(
  group: CanaryGroup,
  transition: AlarmTransition,
  priorRead: Promise<{ requested: ReadonlySet<string> }>,
  deps: CanaryHaltDeps,
  rec: RunRecorder,
  entries: HaltedDeployment[],
  now: Now,
): Promise<void> {
  const label = `${group.application}/${group.deploymentGroup}`;
  const since = new Date(transition.changedAt.getTime() - deps.config.lookbackMinutes * 60_000);
  let decisions: HaltDecision[];
  try {
    const recent = await rec.phase(`list ${label}`, () =>
      deps.deployments.recentDeployments(group.application, group.deploymentGroup, since),
    );
    decisions = planHalt(recent, transition.changedAt, (await priorRead).requested);
  } catch (error) {
    rec.check(`deployments of ${label}`, 'failed', `could not list deployments: ${describeError(error)}`);
    rec.fail(error);
    return;
  }
  if (!decisions.some((d) => d.action === 'stop')) {
    rec.check(`in-flight ${label}`, 'skipped', 'no in-flight deployment to stop');
  }
  for (const decision of decisions) {
    const d = decision.deployment;
    const entry: HaltedDeployment = {
      deploymentId: d.deploymentId,
      application: group.application,
      deploymentGroup: group.deploymentGroup,
      statusBefore: d.status,
      action: decision.action,
      reason: decision.reason,
      detail: decision.detail,
    };
    entries.push(entry);
    if (decision.action !== 'stop') {
      rec.check(`deployment ${d.deploymentId}`, 'skipped', `${decision.reason}: ${decision.detail}`);
      continue;
    }
    const claim = await claimHalt(deps, d.deploymentId, transition, rec.id, now);
    if ('winner' in claim) {
      entry.action = 'none';
      entry.reason = 'already-stopping';
      entry.detail = `stop already requested by ${claim.winner}`;
      rec.check(`deployment ${d.deploymentId}`, 'skipped', `already-stopping: ${entry.detail}`);
      continue;
    }
    const calledAt = now();
    entry.stopRequestedAt = calledAt.toISOString();
    entry.timeToHaltSeconds = Math.max(0, (calledAt.getTime() - transition.changedAt.getTime()) / 1000);
    try {
      const result = await rec.phase(`stop ${d.deploymentId}`, () =>
        deps.deployments.stopDeployment(d.deploymentId),
      );
      entry.stopStatus = result.status;
      rec.check(
        `halt ${d.deploymentId}`,
        'passed',
        result.status === 'AlreadyCompleted'
          ? `completed before the stop arrived: ${result.message}`
          : `StopDeployment ${result.status} with rollback, ${formatDuration(entry.timeToHaltSeconds)} after the alarm`,
      );
    } catch (error) {
      entry.error = describeError(error);
      rec.check(`halt ${d.deploymentId}`, 'failed', `StopDeployment failed: ${entry.error}`);
      rec.fail(error);
      // The stop did not happen: give the halt record back so a redelivery (or the next alarm) stops it.
      if (claim.held) await releaseHalt(deps, d.deploymentId);
    }
  }
}

async function releaseHalt(deps: CanaryHaltDeps, deploymentId: string): Promise<void> {
  try {
    await deps.runbook.releaseClaim?.(haltClaimKey(deploymentId));
  } catch (error) {
    (deps.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(
      `could not release the halt record of ${deploymentId} after the failed stop (a redelivery will see it as stopping): ${describeError(error)}`,
    );
  }
}

/** The halt record of a deployment: whoever writes it first is the one run that calls StopDeployment. */
interface HaltClaim {
  deploymentId: string;
  reportId: string;
  eventId: string;
  alarmName: string;
  claimedAt: string;
}

/**
 * Claims the right to stop a deployment with a conditional write of its halt record. `held` when
 * this run won (false when the store cannot claim: then CodeDeploy's statuses and the ledger
 * decide, as before); otherwise who stopped it, for the report.
 */
async function claimHalt(
  deps: CanaryHaltDeps,
  deploymentId: string,
  transition: AlarmTransition,
  reportId: string,
  now: Now,
): Promise<{ held: boolean } | { winner: string }> {
  if (!deps.runbook.claimFile) return { held: false };
  const claim: HaltClaim = {
    deploymentId,
    reportId,
    eventId: transition.eventId,
    alarmName: transition.alarmName,
    claimedAt: now().toISOString(),
  };
  let result: Awaited<ReturnType<NonNullable<RunbookStore['claimFile']>>>;
  try {
    result = await deps.runbook.claimFile(haltClaimKey(deploymentId), `${JSON.stringify(claim, null, 2)}\n`);
  } catch (error) {
    // Halting matters more than bookkeeping: stop anyway (a second StopDeployment is harmless).
    (deps.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(
      `could not claim the halt of ${deploymentId}: ${describeError(error)}`,
    );
    return { held: false };
  }
  if (result.claimed) return { held: true };
  try {
    const w = JSON.parse(result.existing) as Partial<HaltClaim>;
    return {
      winner: `${w.reportId ?? 'another run'} (event ${w.eventId ?? '?'}, alarm ${w.alarmName ?? '?'}, at ${w.claimedAt ?? '?'})`,
    };
  } catch {
    return { winner: `another run (halt record ${haltClaimKey(deploymentId)})` };
  }
}

export function haltClaimKey(deploymentId: string): string {
  return `canary-halts/${deploymentId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

/** How many recent halt reports make the ledger (a stop pending longer than that many halts is rare). */
const ledgerReports = 50;

/** Earlier halt reports: for this event (a redelivery) and deployments drillbook already asked to stop. */
async function priorHalts(
  deps: CanaryHaltDeps,
  eventId: string,
): Promise<{ sameEvent: string[]; requested: Set<string> }> {
  const requested = new Set<string>();
  const sameEvent: string[] = [];
  let reports: Report[];
  try {
    reports = await deps.runbook.listReports({ kind: 'canary-halt', limit: ledgerReports });
  } catch (error) {
    // Halting matters more than bookkeeping: go on with CodeDeploy's own statuses.
    (deps.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(
      `could not read earlier canary-halt reports: ${describeError(error)}`,
    );
    return { sameEvent, requested };
  }
  for (const r of reports) {
    if (r.details?.['eventId'] === eventId) sameEvent.push(r.id);
    const deployments = r.details?.['deployments'];
    if (!Array.isArray(deployments)) continue;
    for (const d of deployments as Partial<HaltedDeployment>[]) {
      if (d.stopRequestedAt && !d.error && typeof d.deploymentId === 'string') requested.add(d.deploymentId);
    }
  }
  return { sameEvent, requested };
}

function systemName(groups: readonly CanaryGroup[]): string {
  return [...new Set(groups.map((g) => g.system ?? g.application))].join('+');
}

function summaryLine(
  t: AlarmTransition,
  entries: readonly HaltedDeployment[],
  stopped: readonly string[],
  times: readonly number[],
): string {
  if (stopped.length > 0) {
    return `${t.alarmName} ALARM: halted ${stopped.join(', ')} with rollback, ${formatDuration(Math.max(...times))} after the alarm`;
  }
  const failed = entries.filter((e) => e.error).map((e) => e.deploymentId);
  if (failed.length > 0) return `${t.alarmName} ALARM: could NOT stop ${failed.join(', ')}`;
  const seen = entries.map((e) => `${e.deploymentId} ${e.reason}`).join(', ');
  return `${t.alarmName} ALARM: nothing to stop${seen ? ` (${seen})` : ''}`;
}
