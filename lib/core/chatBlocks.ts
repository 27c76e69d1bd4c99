import { chatSummary } from './chatSummary.js';
import { clipMrkdwn, clipText, escapeClip, mrkdwnEscape } from './chatText.js';
import { elapsed, title } from './markdown.js';
import { formatDuration } from './objectives.js';
import type { Report } from './report.js';

/** The subset of Slack Block Kit drillbook posts (https://api.slack.com/reference/block-kit/blocks). */
export type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type Block =
  | { type: 'header'; text: TextObject & { type: 'plain_text' } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

/** An incoming-webhook payload: `text` is the notification / fallback, `blocks` the message. */
export interface ChatMessage {
  text: string;
  blocks: Block[];
}

export interface ReportLink {
  /** Where the report is stored (folder path or s3:// URI). */
  location: string;
  /** A browsable URL of the report (e.g. the HTML report), when one is configured. */
  url?: string;
}

const MAX_FIELDS = 10; // Block Kit: at most 10 fields per section
const MAX_FIELD_TEXT = 2000;
const MAX_SECTION_TEXT = 3000;
const MAX_HEADER = 150;
const MAX_LISTED_CHECKS = 5;

const outcomeIcon: Record<Report['outcome'], string> = {
  passed: ':white_check_mark:',
  failed: ':x:',
  inconclusive: ':warning:',
};

/**
 * A Block Kit message for any report kind: a header with the outcome, the figures that matter
 * for its kind (RPO/RTO vs target, replay counts, ...), the failed and inconclusive checks, the
 * reason, and where the full report is. Pure: the webhook adapter only posts it.
 */
export function chatBlocks(report: Report, link: ReportLink): ChatMessage {
  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clipText(
          `${title(report)} ${report.outcome.toUpperCase()}: ${report.system} (${report.environment})`,
          MAX_HEADER,
        ),
        emoji: true,
      },
    },
  ];
  const fields = [
    field('Outcome', `${outcomeIcon[report.outcome]} ${report.outcome}`),
    field('Duration', formatDuration(elapsed(report.startedAt, report.finishedAt))),
    ...kindFields(report),
  ];
  for (let i = 0; i < fields.length; i += MAX_FIELDS) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + MAX_FIELDS) });
  }
  if (report.reason) blocks.push(section(`*Reason:* ${mrkdwnEscape(report.reason)}`));

  const bad = report.checks.filter((c) => c.outcome === 'failed' || c.outcome === 'inconclusive');
  if (bad.length > 0) {
    const lines = bad
      .slice(0, MAX_LISTED_CHECKS)
      .map((c) => `• *${mrkdwnEscape(c.name)}* ${c.outcome}: ${escapeClip(c.detail, 300)}`);
    if (bad.length > MAX_LISTED_CHECKS) lines.push(`• … and ${bad.length - MAX_LISTED_CHECKS} more`);
    const failed = bad.filter((c) => c.outcome === 'failed').length;
    blocks.push(
      section(
        `*Failed checks (${failed} failed, ${bad.length - failed} inconclusive):*\n${lines.join('\n')}`,
      ),
    );
  } else {
    const passed = report.checks.filter((c) => c.outcome === 'passed').length;
    blocks.push(section(`All ${passed} check${passed === 1 ? '' : 's'} passed.`));
  }

  const where = link.url ? `<${link.url}|full report>` : `\`${mrkdwnEscape(link.location)}\``;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: clipMrkdwn(`Report \`${mrkdwnEscape(report.id)}\` · ${where}`, MAX_FIELD_TEXT),
      },
    ],
  });
  // The notification line is mrkdwn too: escaped like the blocks, so a name or reason cannot ping.
  return { text: escapeClip(chatSummary(report, link.url ?? link.location), MAX_SECTION_TEXT), blocks };
}

function kindFields(report: Report): TextObject[] {
  const out: TextObject[] = [];
  const o = report.objectives;
  if (o) {
    out.push(field('RPO', vsTarget(o.rpoSeconds, o.rpoTargetSeconds)));
    out.push(field('RTO', vsTarget(o.rtoSeconds, o.rtoTargetSeconds)));
    if (o.backupAgeSeconds != null) out.push(field('Backup age', formatDuration(o.backupAgeSeconds)));
    if (o.restorableLagSeconds != null)
      out.push(field('Restorable-point lag', formatDuration(o.restorableLagSeconds)));
  }
  const r = report.replay;
  if (r) {
    out.push(field('Window', `\`${mrkdwnEscape(r.stream)}\` ${r.fromSeq}..${r.toSeq}`));
    out.push(field('Events', `${r.events} (${Math.round(r.eventsPerSecond)}/s)`));
    out.push(field('Gaps / duplicates', `${r.gaps.length} / ${r.duplicates}`));
    out.push(field('Schema violations', String(r.schemaViolations)));
    const digest = r.digest === '' ? 'none (the run stopped)' : `\`${mrkdwnEscape(r.digest.slice(0, 16))}\``;
    out.push(
      field(
        'Digest',
        r.expectedDigest === undefined
          ? digest
          : r.expectedDigest === r.digest
            ? `${digest} matches golden`
            : `${digest} ≠ golden \`${mrkdwnEscape(r.expectedDigest.slice(0, 16))}\``,
      ),
    );
  }
  if (report.kind === 'rotation-audit') {
    const flagged = report.checks.filter((c) => c.outcome !== 'passed' && c.outcome !== 'skipped').length;
    out.push(field('Secrets flagged', `${flagged} of ${report.checks.length}`));
  }
  // Kind-specific facts (backup id, deployment id, secret id, alarm, ...): the scalar details.
  const used = new Set(['backupAgeSeconds', 'restorableLagSeconds']);
  for (const [name, value] of Object.entries(report.details ?? {})) {
    if (used.has(name)) continue;
    if (isScalar(value)) {
      // The unit moves into the value: "sizeBytes: 123456" reads "Size: 120.6 KiB".
      const label = typeof value === 'number' ? name.replace(/(?<=.)(Seconds|Bytes)$/, '') : name;
      out.push(field(humanize(label), formatDetail(name, value)));
    } else if (Array.isArray(value) && value.every(isScalar)) {
      const list = value.length === 0 ? 'none' : escapeClip(value.map(String).join(', '), 300);
      out.push(field(humanize(name), list));
    }
  }
  if (!o) {
    const age = report.details?.['backupAgeSeconds'];
    if (typeof age === 'number') out.push(field('Backup age', formatDuration(age)));
    const lag = report.details?.['restorableLagSeconds'];
    if (typeof lag === 'number') out.push(field('Restorable-point lag', formatDuration(lag)));
  }
  return out.slice(0, 3 * MAX_FIELDS - 2);
}

function vsTarget(measured: number | null, target: number): string {
  if (measured === null) return `:warning: not measured (target ${formatDuration(target)})`;
  const icon = measured <= target ? ':white_check_mark:' : ':x:';
  return `${icon} ${formatDuration(measured)} (target ${formatDuration(target)})`;
}

function field(name: string, value: string): TextObject {
  return { type: 'mrkdwn', text: clipMrkdwn(`*${name}*\n${value}`, MAX_FIELD_TEXT) };
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(text, MAX_SECTION_TEXT) } };
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function formatDetail(name: string, value: string | number | boolean): string {
  if (typeof value === 'number' && /seconds$/i.test(name)) return formatDuration(value);
  if (typeof value === 'number' && /bytes$/i.test(name)) return formatBytes(value);
  return escapeClip(String(value), 300);
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** "backupId" -> "Backup id", "target_time" -> "Target time". */
function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return mrkdwnEscape(words.charAt(0).toUpperCase() + words.slice(1));
}

export { mrkdwnEscape };
