import { describeError } from './errors.js';
import {
  type Check,
  type Objectives,
  type Outcome,
  overallOutcome,
  type Phase,
  type Report,
  type ReportKind,
} from './report.js';

export type Now = () => Date;

/**
 * Collects the phases and checks of one run and builds its report. Each job owns one recorder;
 * `phase()` times a step and records it as failed when it throws (re-throwing the error), so the
 * report always shows where a run stopped.
 */
export class RunRecorder {
  readonly phases: Phase[] = [];
  readonly checks: Check[] = [];
  readonly details: Record<string, unknown> = {};
  readonly startedAt: Date;
  private failure: string | undefined;

  constructor(
    readonly kind: ReportKind,
    readonly id: string,
    readonly system: string,
    readonly environment: string,
    private readonly now: Now = () => new Date(),
  ) {
    this.startedAt = now();
  }

  /**
   * Times one step. The phase fails when the step throws (the error is re-thrown) or when a check
   * recorded during the step failed, so the phase list shows where a run went wrong.
   */
  async phase<T>(name: string, step: () => Promise<T>): Promise<T> {
    const startedAt = this.now();
    const checksBefore = this.checks.length;
    const record = (outcome: Phase['outcome'], detail?: string) => {
      const phase: Phase = {
        name,
        startedAt: startedAt.toISOString(),
        finishedAt: this.now().toISOString(),
        outcome,
      };
      if (detail) phase.detail = detail;
      this.phases.push(phase);
    };
    try {
      const result = await step();
      const failedChecks = this.checks.slice(checksBefore).filter((c) => c.outcome === 'failed');
      record(
        failedChecks.length > 0 ? 'failed' : 'passed',
        failedChecks.length > 0 ? `failed: ${failedChecks.map((c) => c.name).join(', ')}` : undefined,
      );
      return result;
    } catch (error) {
      record('failed', describeError(error));
      throw error;
    }
  }

  /** A phase runner that refuses to start a new phase once `signal` is aborted (SIGINT). */
  stepsUntil(signal: AbortSignal): <T>(name: string, step: () => Promise<T>) => Promise<T> {
    return (name, step) => {
      signal.throwIfAborted();
      return this.phase(name, step);
    };
  }

  skipPhase(name: string, detail: string): void {
    const at = this.now().toISOString();
    this.phases.push({ name, startedAt: at, finishedAt: at, outcome: 'skipped', detail });
  }

  check(name: string, outcome: Check['outcome'], detail: string): Check {
    const check = { name, outcome, detail };
    this.checks.push(check);
    return check;
  }

  addChecks(checks: readonly Check[]): void {
    this.checks.push(...checks);
  }

  /** Records the first error that ended the run; the report's outcome becomes "failed". */
  fail(error: unknown): void {
    this.failure ??= describeError(error);
  }

  get failed(): boolean {
    return this.failure !== undefined || this.checks.some((c) => c.outcome === 'failed');
  }

  finish(
    extra: {
      objectives?: Objectives;
      replay?: Report['replay'];
      catchUp?: Report['catchUp'];
      outcome?: Outcome;
    } = {},
  ): Report {
    const report: Report = {
      kind: this.kind,
      id: this.id,
      system: this.system,
      environment: this.environment,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.now().toISOString(),
      outcome: extra.outcome ?? overallOutcome(this.checks, this.phases, this.failure),
      phases: [...this.phases],
      checks: [...this.checks],
    };
    if (extra.objectives) report.objectives = extra.objectives;
    if (extra.replay) report.replay = extra.replay;
    if (extra.catchUp) report.catchUp = extra.catchUp;
    if (this.failure !== undefined) report.reason = this.failure;
    if (Object.keys(this.details).length > 0) report.details = { ...this.details };
    return report;
  }
}
