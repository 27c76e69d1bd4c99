import type { Progress } from '../ports.js';

/** What every command gets from the CLI shell. */
export interface CommandContext {
  out: (text: string) => void;
  err: (text: string) => void;
  progress: Progress;
  /** Aborted on SIGINT/SIGTERM: jobs stop at the next step and tear down what they created. */
  signal: AbortSignal;
  /** The clock (tests inject one); the real time when absent. */
  now?: () => Date;
}

export interface Command {
  name: string;
  summary: string;
  /** Full --help text. */
  help: string;
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

/** Exit codes of the CLI contract. */
export const exitCodes = { passed: 0, failed: 1, badInput: 2 } as const;

export function exitCodeFor(outcome: 'passed' | 'failed' | 'inconclusive'): number {
  return outcome === 'passed' ? exitCodes.passed : exitCodes.failed;
}

/** Progress lines on stderr with elapsed time, so stdout stays clean for --json. */
export function stderrProgress(write: (text: string) => void = (t) => process.stderr.write(t)): Progress {
  const started = Date.now();
  return {
    step(message: string) {
      const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
      write(`[${s}s] ${message}\n`);
    },
  };
}
