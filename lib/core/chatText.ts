/**
 * Text for Slack mrkdwn: escaping and clipping that never leaves a mention or a broken character
 * behind. Slack turns `<!channel>`, `<!here>`, `<@U123>` and `<#C123>` into pings and links, so
 * every `<`, `>` and `&` from a report is escaped; clipping happens on the raw text, by grapheme
 * (an emoji with its modifiers or joiners stays whole), before escaping, so an entity is never cut.
 */

const ELLIPSIS = '…';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Slack mrkdwn needs only &, < and > escaped. */
export function mrkdwnEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * At most `max` UTF-16 units (Slack counts characters that way): whole graphemes only, with an
 * ellipsis when something was cut. `measure` gives the length a grapheme takes once rendered
 * (escaped), so the limit holds for the escaped result.
 */
function clipWith(text: string, max: number, render: (grapheme: string) => string): string {
  const parts = graphemes(text).map(render);
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total <= max) return parts.join('');
  let out = '';
  for (const part of parts) {
    if (out.length + part.length > max - ELLIPSIS.length) break;
    out += part;
  }
  return `${out}${ELLIPSIS}`;
}

/** Plain text (no escaping) clipped to `max` units without splitting a grapheme. */
export function clipText(text: string, max: number): string {
  return clipWith(text, max, (g) => g);
}

/** Raw text escaped for mrkdwn and clipped so that the escaped result fits `max` units, whole entities only. */
export function escapeClip(text: string, max: number): string {
  return clipWith(text, max, mrkdwnEscape);
}

/**
 * Already-built mrkdwn (escaped parts and our own markup) clipped to `max` units: whole graphemes,
 * and never inside an `&amp;`-style entity or a `<...>` link of our own.
 */
export function clipMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  const parts: string[] = [];
  // Tokens: entities and our own <...> links stay whole; the rest by grapheme.
  for (const token of text.split(/(&(?:amp|lt|gt);|<[^<>]*>)/)) {
    if (token === '') continue;
    if (/^(&(?:amp|lt|gt);|<[^<>]*>)$/.test(token)) parts.push(token);
    else parts.push(...graphemes(token));
  }
  let out = '';
  for (const part of parts) {
    if (out.length + part.length > max - ELLIPSIS.length) break;
    out += part;
  }
  return `${out}${ELLIPSIS}`;
}
