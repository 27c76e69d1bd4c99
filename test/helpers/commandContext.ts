import type { CommandContext } from '../../lib/cli/context.js';

export interface CapturedContext {
  ctx: CommandContext;
  /** What the command wrote to stdout, stderr, and as progress lines, in order. */
  out: string[];
  err: string[];
  steps: string[];
}

/** A CommandContext that records what a command prints, for assertions. */
export function capturedContext(signal: AbortSignal = new AbortController().signal): CapturedContext {
  const out: string[] = [];
  const err: string[] = [];
  const steps: string[] = [];
  return {
    ctx: {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      progress: { step: (m) => steps.push(m) },
      signal,
    },
    out,
    err,
    steps,
  };
}
