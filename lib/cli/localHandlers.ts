import { ConfigError } from '../core/errors.js';
import type { LocalHandler } from '../local/stateMachineRunner.js';

export type HandlerLoader = () => Promise<Record<string, LocalHandler>>;

let loader: HandlerLoader | undefined;

/**
 * `drillbook run` runs the deployed handlers (functions/), which lib/ may not import: the CLI entry
 * binds them here (bin/localRuns.ts), loaded at the first run only.
 */
export function bindLocalHandlers(load: HandlerLoader): void {
  loader = load;
}

export function localHandlers(): Promise<Record<string, LocalHandler>> {
  if (!loader) throw new ConfigError('handlers', 'no Lambda handlers bound (bin/localRuns.ts binds them)');
  return loader();
}
