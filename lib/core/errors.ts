/**
 * Typed errors: one class per failure kind, each carrying the underlying `cause`.
 * The CLI maps ConfigError/InputError to exit code 2 and prints only `message`.
 */
export class DrillbookError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration or input that does not validate. `field` names the offending path. */
export class ConfigError extends DrillbookError {
  constructor(
    readonly field: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}

/** Bad command-line or event input (same exit code as ConfigError). */
export class InputError extends ConfigError {}

/** A guard refused to act on a resource that is not a tagged staging resource. */
export class GuardError extends DrillbookError {}

/**
 * The guard refused to write into "staging" because its connection reaches the source database
 * (same endpoint as the source's): the write would have gone to production.
 */
export class StagingIsSourceError extends GuardError {}

/** A wait ran past its timeout. */
export class TimeoutError extends DrillbookError {}

/** An external command (pg_basebackup, initdb, ...) failed. */
export class CommandError extends DrillbookError {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}): ${lastLines(stderr, 3)}`, options);
  }
}

/** A backup is missing, incomplete or unusable. */
export class BackupError extends DrillbookError {}

/** A server refused (or could not be given) the login: waiting and retrying will not help. */
export class LoginError extends DrillbookError {}

/** Recovery (WAL replay, snapshot restore) failed. */
export class RecoveryError extends DrillbookError {}

/** The drill was interrupted (SIGINT/SIGTERM). */
export class InterruptedError extends DrillbookError {}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** A short, single-line description of any thrown value, safe for reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

/** One session in the way of a lock (pg_blocking_pids + pg_stat_activity). */
export interface BlockingSession {
  pid: number;
  database: string | null;
  /** pg_stat_activity.backend_type: "client backend", "autovacuum worker", ... */
  backendType: string | null;
  applicationName: string;
  state: string | null;
  xactStart: string | null;
  /** The session's current or last statement, truncated. */
  query: string;
}

/** The manifest's locks could not be taken within the retry budget; names who held them. */
export class LockWaitError extends DrillbookError {
  constructor(
    message: string,
    readonly blockers: BlockingSession[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
