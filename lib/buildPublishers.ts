import { type AwsPublisherOptions, buildAwsPublishers } from './aws/awsPublishers.js';
import { chatOf } from './chat/reportChats.js';
import type { Publishers } from './jobs/publish.js';
import { ConsoleChat } from './local/consoleChat.js';
import { buildLocalPublishers } from './local/localPublishers.js';
import type { Chat } from './ports.js';

export type PublisherOptions = AwsPublisherOptions & {
  target: 'local' | 'aws';
  /** `--runbook DIR` (local target): wins over the config's runbook.dir. */
  runbookDir?: string;
  /**
   * Where the chat summary is printed (CLI: stdout, or stderr with --json). Omit it in Lambda
   * handlers: their stdout is the log, and the webhook is the chat there.
   */
  print?: (text: string) => void;
};

/**
 * The CLI's composition of publishers {runbook, chat, metrics} for publishReport, on either
 * target: lib/local/localPublishers.ts or lib/aws/awsPublishers.ts (which the Lambda handlers use
 * directly, so their bundles carry nothing of the local target), with the chat summary printed
 * in front when there is somewhere to print it (unless chat.stdout is false).
 */
export function buildPublishers(options: PublisherOptions): Publishers {
  const { target, runbookDir, print, ...common } = options;
  const built =
    target === 'local'
      ? buildLocalPublishers({ ...common, ...(runbookDir !== undefined ? { runbookDir } : {}) })
      : buildAwsPublishers(common);
  if (!print || options.config?.chat.stdout === false) return built;
  const { chat, ...rest } = built;
  const chats: Chat[] = [new ConsoleChat(print), ...(chat ? [chat] : [])];
  return { ...rest, ...chatOf(chats) };
}
