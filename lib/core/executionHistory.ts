/**
 * What a deployed state machine's execution history says, for `drillbook start`: one progress
 * line per state entered or exited (and per failure), and where the run's report landed. Pure:
 * the events are Step Functions GetExecutionHistory events, structurally typed.
 */
export interface ExecutionEvent {
  id: number;
  type?: string | undefined;
  stateEnteredEventDetails?: { name?: string | undefined; input?: string | undefined } | undefined;
  stateExitedEventDetails?: { name?: string | undefined; output?: string | undefined } | undefined;
  [details: string]: unknown;
}

export interface ReportPointer {
  location: string;
  outcome?: string;
  reportId?: string;
}

/** "TaskStateEntered" -> "Task"; "ChoiceStateExited" -> "Choice". */
function stateKind(type: string, suffix: 'StateEntered' | 'StateExited'): string {
  return type.slice(0, -suffix.length) || 'State';
}

/** Failure events carry {error, cause} in a `<camelCaseType>EventDetails` field. */
function failureDetails(event: ExecutionEvent): { error?: string; cause?: string } | null {
  const type = event.type ?? '';
  if (!/(Failed|TimedOut|Aborted)$/.test(type)) return null;
  const key = `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
  const details = event[key];
  return typeof details === 'object' && details !== null
    ? (details as { error?: string; cause?: string })
    : {};
}

/** The progress line for one history event, or null for events that add nothing (scheduled, started). */
export function describeExecutionEvent(event: ExecutionEvent): string | null {
  const type = event.type ?? '';
  if (type.endsWith('StateEntered')) {
    return `entered ${event.stateEnteredEventDetails?.name ?? '?'} (${stateKind(type, 'StateEntered')})`;
  }
  if (type.endsWith('StateExited')) {
    return `exited ${event.stateExitedEventDetails?.name ?? '?'} (${stateKind(type, 'StateExited')})`;
  }
  const failure = failureDetails(event);
  if (failure) {
    const what = [failure.error, failure.cause].filter(Boolean).join(': ');
    return `${type}${what ? `: ${truncate(what, 300)}` : ''}`;
  }
  if (type === 'ExecutionSucceeded') return 'ExecutionSucceeded';
  return null;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{result: {location, outcome, reportId}}`, the shape every report state leaves in the state. */
function pointerIn(value: unknown): ReportPointer | null {
  const result = (value as { result?: unknown } | null | undefined)?.result as
    | { location?: unknown; outcome?: unknown; reportId?: unknown }
    | undefined;
  if (!result || typeof result.location !== 'string') return null;
  return {
    location: result.location,
    ...(typeof result.outcome === 'string' ? { outcome: result.outcome } : {}),
    ...(typeof result.reportId === 'string' ? { reportId: result.reportId } : {}),
  };
}

/**
 * Where the report landed: the execution's output when it succeeded; otherwise (a Fail state has
 * no output) the newest state input or output in the history that carries `result.location`.
 */
export function reportPointer(
  output: string | undefined,
  events: readonly ExecutionEvent[],
): ReportPointer | null {
  const fromOutput = pointerIn(parseJson(output));
  if (fromOutput) return fromOutput;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const found =
      pointerIn(parseJson(e.stateExitedEventDetails?.output)) ??
      pointerIn(parseJson(e.stateEnteredEventDetails?.input));
    if (found) return found;
  }
  return null;
}

/** Execution statuses that end following. */
export function isFinalStatus(status: string | undefined): boolean {
  return status !== undefined && status !== 'RUNNING';
}
