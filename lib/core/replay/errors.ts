import { DrillbookError } from '../errors.js';

/** A value the canonical encoding cannot represent deterministically (NaN, a function, a Map...). */
export class CanonicalEncodingError extends DrillbookError {}

/** A projection threw while applying an event. */
export class ProjectionError extends DrillbookError {}

/** Reading the event window from the stream failed (after the bounded resumes). */
export class ReplayReadError extends DrillbookError {}

/** The stream to replay does not exist on the server (named in the message). */
export class StreamNotFoundError extends ReplayReadError {}
