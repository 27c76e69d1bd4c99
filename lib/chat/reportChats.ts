import type { DrillbookConfig } from '../drillbookConfig.js';
import type { Chat } from '../ports.js';
import { FanoutChat } from './fanoutChat.js';
import { WebhookChat } from './webhookChat.js';

/** The report webhook chat with the config's reporting settings (attempts, link base URL). */
export function reportWebhook(config: DrillbookConfig | null, url: () => Promise<string>): WebhookChat {
  return new WebhookChat({
    url,
    maxAttempts: config?.reporting.chatMaxAttempts ?? 4,
    ...(config?.reporting.linkBaseUrl ? { linkBaseUrl: config.reporting.linkBaseUrl } : {}),
  });
}

/** No chat, the one chat, or all of them. */
export function chatOf(chats: Chat[]): { chat?: Chat } {
  if (chats.length === 0) return {};
  return { chat: chats.length === 1 ? (chats[0] as Chat) : new FanoutChat(chats) };
}
