import { buildPublishers } from '../buildPublishers.js';
import { InputError } from '../core/errors.js';
import type { DrillbookConfig } from '../drillbookConfig.js';
import type { Publishers } from '../jobs/publish.js';
import type { CommandContext } from './context.js';

/**
 * Publishers for a CLI command from its common flags: --target local|aws, --runbook DIR, --json
 * (with --json, stdout carries only the report, so the chat summary goes to stderr).
 */
export function cliPublishers(
  ctx: CommandContext,
  config: DrillbookConfig | null,
  flags: { target?: string | undefined; runbook?: string | undefined; json?: boolean | undefined },
): Publishers {
  const target = flags.target ?? 'local';
  if (target !== 'local' && target !== 'aws') throw new InputError('--target', 'must be "local" or "aws"');
  return buildPublishers({
    target,
    config,
    ...(flags.runbook !== undefined ? { runbookDir: flags.runbook } : {}),
    print: flags.json ? ctx.err : ctx.out,
    warn: (m) => ctx.err(`warning: ${m}`),
  });
}
