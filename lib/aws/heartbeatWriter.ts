import { DrillbookError, describeError } from '../core/errors.js';
import type { Progress } from '../ports.js';
import { awsRuntime, lambdaConfig, sourceOf } from './runtime.js';

export interface HeartbeatResult {
  beats: Array<{ system: string; at: string }>;
}

/** One or more sources refused a heartbeat: the function fails, so its Errors alarm pages. */
export class HeartbeatError extends DrillbookError {}

/**
 * Writes one heartbeat row into each RDS/Aurora source of the deployed config (or the one named):
 * the newest beat a restored copy holds is what a drill's RPO is measured against, so the beats
 * must come as often as the RPO needs resolving (the schedule, every minute by default), not once
 * a day with the backup. Every source is tried; any failure fails the invocation, naming it.
 */
export async function writeHeartbeats(
  system: string | undefined,
  progress: Progress,
): Promise<HeartbeatResult> {
  const names = system
    ? [system]
    : lambdaConfig()
        .systems.filter((s) => s.aws)
        .map((s) => s.name);
  const beats: HeartbeatResult['beats'] = [];
  const failures: string[] = [];
  for (const name of names) {
    try {
      const at = await sourceOf(awsRuntime(name, progress)).writeHeartbeat();
      beats.push({ system: name, at: at.toISOString() });
    } catch (error) {
      failures.push(`${name}: ${describeError(error)}`);
    }
  }
  if (failures.length > 0) {
    throw new HeartbeatError(
      `heartbeat not written for ${failures.length} source(s): ${failures.join('; ')}`,
    );
  }
  return { beats };
}
