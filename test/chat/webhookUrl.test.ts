import { describe, expect, it } from 'vitest';
import { FanoutChat } from '../../lib/chat/fanoutChat.js';
import { webhookUrlFromSecret } from '../../lib/chat/webhookUrl.js';
import { SecretReadError } from '../../lib/core/reportingErrors.js';
import type { Chat } from '../../lib/ports.js';
import { restoreDrill } from '../helpers/sampleReports.js';

describe('webhookUrlFromSecret', () => {
  it('takes the value as the URL, or its url / webhookUrl JSON field', () => {
    expect(webhookUrlFromSecret('s', ' https://hooks.example/a \n')).toBe('https://hooks.example/a');
    expect(webhookUrlFromSecret('s', '{"url":"https://hooks.example/b"}')).toBe('https://hooks.example/b');
    expect(webhookUrlFromSecret('s', '{"webhookUrl":"https://hooks.example/c"}')).toBe(
      'https://hooks.example/c',
    );
  });

  it('names the secret but never shows its value when the JSON is unusable', () => {
    for (const value of ['{"token":"hooks-secret-value"}', '{hooks-secret-value']) {
      const error = (() => {
        try {
          webhookUrlFromSecret('team/chat', value);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(SecretReadError);
      expect(error?.message).toContain('team/chat');
      expect(error?.message).not.toContain('hooks-secret-value');
    }
  });
});

describe('FanoutChat', () => {
  it('posts to every chat even when one fails, then reports the failure', async () => {
    const posted: string[] = [];
    const ok: Chat = { postReport: async (r) => void posted.push(r.id) };
    const broken: Chat = {
      postReport: async () => {
        throw new Error('HTTP 500');
      },
    };
    await expect(new FanoutChat([broken, ok]).postReport(restoreDrill(), 'loc')).rejects.toThrow('HTTP 500');
    expect(posted).toEqual([restoreDrill().id]);
  });
});
