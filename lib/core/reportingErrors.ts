import { DrillbookError } from './errors.js';

/** A report with this id is already stored; reports are never overwritten. */
export class ReportExistsError extends DrillbookError {
  constructor(
    readonly reportId: string,
    readonly where: string,
    options?: { cause?: unknown },
  ) {
    super(`report ${reportId} already exists at ${where}; reports are never overwritten`, options);
  }
}

/** The runbook store (S3) could not be read or written. */
export class RunbookStoreError extends DrillbookError {}

/** Posting to the chat webhook failed after its bounded retries. Never carries the webhook URL. */
export class ChatPostError extends DrillbookError {
  constructor(
    message: string,
    readonly attempts: number,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A secret (e.g. the chat webhook URL) could not be read. Never carries the secret value. */
export class SecretReadError extends DrillbookError {}
