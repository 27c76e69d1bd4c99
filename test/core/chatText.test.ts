import { describe, expect, it } from 'vitest';
import { type ChatMessage, chatBlocks } from '../../lib/core/chatBlocks.js';
import { clipMrkdwn, clipText, escapeClip } from '../../lib/core/chatText.js';
import { failedRestoreDrill } from '../helpers/sampleReports.js';

/** Every string Slack reads as mrkdwn: the notification line and every block text. */
function mrkdwnTexts(message: ChatMessage): string[] {
  return [
    message.text,
    ...message.blocks.flatMap((b) => {
      if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
      if (b.type === 'context') return b.elements.map((e) => e.text);
      return [];
    }),
  ];
}

/** A mention Slack would act on: <!channel>, <!here>, <!everyone>, <@U...>, <#C...>, <!subteam^...>. */
const MENTION = /<[!@#][^>]*>/;
/** An `&` not starting one of the three entities: a cut entity or raw text. */
const BROKEN_ENTITY = /&(?!(?:amp|lt|gt);)/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('chat text escaping and clipping', () => {
  it('never lets a hostile check name, detail, reason or system ping the channel, in the notification line too', () => {
    const hostile = '<!channel> <!here> <@U024BE7LH> <#C0123|x> <!subteam^S1> &lt;';
    const report = {
      ...failedRestoreDrill(),
      system: `orders ${hostile}`,
      reason: `disk full ${hostile}`,
      checks: [{ name: `check ${hostile}`, outcome: 'failed' as const, detail: `detail ${hostile}` }],
      details: { alarm: hostile, tables: [hostile, 'b'] },
    };
    const message = chatBlocks(report, { location: `s3://bucket/${hostile}` });
    for (const text of mrkdwnTexts(message)) {
      expect(text).not.toMatch(MENTION);
      expect(text).not.toMatch(BROKEN_ENTITY);
    }
    expect(message.text).toContain('&lt;!channel&gt;');
    expect(message.text).toContain('Reason: disk full &lt;!channel&gt; &lt;!here&gt; &lt;@U024BE7LH&gt;');
    expect(message.text).toContain('&amp;lt;');
  });

  it('clips long hostile reasons before escaping: no entity cut in half, no emoji split, within the limit', () => {
    for (let pad = 0; pad < 30; pad++) {
      const reason = `${'x'.repeat(2960 + pad)}<!channel>&&👩🏽‍🚀😀`.repeat(2);
      const report = { ...failedRestoreDrill(), reason, checks: [] };
      const message = chatBlocks(report, { location: 'here' });
      for (const text of mrkdwnTexts(message)) {
        expect(text.length).toBeLessThanOrEqual(3000);
        expect(text).not.toMatch(BROKEN_ENTITY);
        expect(text).not.toMatch(/&(?:amp|lt|gt)?$|&(?:a|am|l|g)…$/);
        expect(text).not.toMatch(LONE_SURROGATE);
        expect(text).not.toMatch(MENTION);
      }
    }
  });

  it('escapeClip keeps whole entities and whole graphemes, and fits the escaped result', () => {
    expect(escapeClip('ab<!here>', 7)).toBe('ab&lt;…');
    expect(escapeClip('ab<!here>', 6)).toBe('ab…');
    expect(escapeClip('a👩🏽‍🚀b', 3)).toBe('a…');
    expect(escapeClip('a😀bc', 4)).toBe('a😀…');
    expect(escapeClip('a😀bc', 3)).toBe('a…');
    expect(escapeClip('<short>', 100)).toBe('&lt;short&gt;');
  });

  it('clipText and clipMrkdwn never split a surrogate pair or an entity', () => {
    expect(clipText('ab😀cd', 4)).toBe('ab…');
    expect(clipMrkdwn('*R*\nab&amp;cd', 10)).toBe('*R*\nab…');
    expect(clipMrkdwn('see <https://x.example/a|full report> now', 20)).toBe('see …');
  });
});
