import type { DrillbookConfig } from '../config.js';
import type { Publishers } from '../jobs/publish.js';
import { ConsoleChat } from '../local/consoleChat.js';
import type { CommandContext } from './context.js';
import { runbookStore } from './runbookFlag.js';

/** Publishers for the local target: the runbook folder and a chat summary on the terminal. */
export function localPublishers(
  ctx: CommandContext,
  config: DrillbookConfig | null,
  runbookFlag: string | undefined,
  json: boolean,
): Publishers {
  return {
    runbook: runbookStore(runbookFlag, config),
    // With --json, stdout carries only the report: the chat summary goes to stderr.
    chat: new ConsoleChat(json ? ctx.err : ctx.out),
    warn: (m) => ctx.err(`warning: ${m}`),
  };
}
