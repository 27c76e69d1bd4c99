import { resolve } from 'node:path';
import { chatOf, reportWebhook } from '../chat/reportChats.js';
import type { DrillbookConfig } from '../drillbookConfig.js';
import { type Env, envString } from '../env.js';
import type { Publishers } from '../jobs/publish.js';
import type { Chat } from '../ports.js';
import { FolderRunbookStore } from './folderRunbookStore.js';

export interface LocalPublisherOptions {
  /** The parsed config file, or null (then defaults and the environment apply). */
  config: DrillbookConfig | null;
  /** `--runbook DIR`: wins over the config's runbook.dir. */
  runbookDir?: string;
  warn?: (message: string) => void;
  /** Environment to read DRILLBOOK_WEBHOOK_URL from (default process.env). */
  env?: Env;
}

/**
 * Publishers on the local target: the runbook folder (--runbook, else runbook.dir, else
 * ./runbook); a webhook chat when chat.webhookUrl or $DRILLBOOK_WEBHOOK_URL is set; no metrics.
 */
export function buildLocalPublishers(options: LocalPublisherOptions): Publishers {
  const env = options.env ?? process.env;
  const config = options.config;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const chats: Chat[] = [];
  const url = config?.chat.webhookUrl ?? envString(env, 'DRILLBOOK_WEBHOOK_URL');
  if (url) chats.push(reportWebhook(config, async () => url));
  return {
    runbook: new FolderRunbookStore(resolve(options.runbookDir ?? config?.runbook.dir ?? 'runbook')),
    ...chatOf(chats),
    warn,
  };
}
