/** HTML-escapes text for element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number for an SVG attribute: at most one decimal, no trailing zero ("12", "12.5"). */
export function svgNumber(n: number): string {
  return Number(n.toFixed(1)).toString();
}

/** An ISO timestamp as epoch milliseconds. */
export function epochMs(iso: string): number {
  return new Date(iso).getTime();
}

/** The text cut to `max` characters, ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A measured value: a finite number (not null, undefined or NaN). */
export function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
