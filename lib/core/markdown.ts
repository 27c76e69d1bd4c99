import { formatDuration } from './objectives.js';
import { describeSequences } from './replay/window.js';
import { type Check, catchUpReadItsStream, type Report } from './report.js';

const icon: Record<string, string> = {
  passed: 'PASS',
  failed: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  skipped: 'skipped',
};

/** A human-readable rendering of a report, stored beside its JSON. */
export function renderMarkdown(report: Report): string {
  const lines: string[] = [];
  lines.push(`# ${title(report)}: ${icon[report.outcome]}`);
  lines.push('');
  lines.push(`- **System:** ${report.system} (${report.environment})`);
  lines.push(`- **Run:** \`${report.id}\``);
  lines.push(`- **Started:** ${report.startedAt}`);
  lines.push(
    `- **Finished:** ${report.finishedAt} (${formatDuration(elapsed(report.startedAt, report.finishedAt))})`,
  );
  if (report.reason) lines.push(`- **Reason:** ${escapeCell(report.reason)}`);
  if (report.objectives) {
    const o = report.objectives;
    lines.push('', '## Recovery objectives', '', '| objective | measured | target |', '|---|---|---|');
    lines.push(`| RPO | ${formatDuration(o.rpoSeconds)} | ${formatDuration(o.rpoTargetSeconds)} |`);
    lines.push(`| RTO | ${formatDuration(o.rtoSeconds)} | ${formatDuration(o.rtoTargetSeconds)} |`);
    if (o.serviceRtoSeconds !== undefined) {
      lines.push(
        `| service RTO (DB + read models) | ${formatDuration(o.serviceRtoSeconds)} | ${formatDuration(o.rtoTargetSeconds)} |`,
      );
    }
    if (o.backupAgeSeconds !== undefined)
      lines.push(`| backup age | ${formatDuration(o.backupAgeSeconds)} | |`);
    if (o.restorableLagSeconds !== undefined) {
      lines.push(`| restorable-point lag | ${formatDuration(o.restorableLagSeconds)} | |`);
    }
  }
  if (report.catchUp) {
    const c = report.catchUp;
    lines.push('', '## Catch-up', '');
    if (!catchUpReadItsStream(c)) {
      // Skipped (the database failed verification) or failed before it read a stream.
      lines.push('- Not run to the end: the read models were not caught up (see the checks)');
    } else {
      lines.push(
        `- Stream \`${c.stream}\`, ${describeSequences(c)}: ${c.events} events in ${formatDuration(c.seconds)}`,
      );
      lines.push(`- Digest: \`${c.digest}\` (live \`${c.liveDigest}\`)`);
      lines.push(`- Outbox rows to republish on recovery: ${c.outboxToRepublish}`);
    }
  }
  if (report.replay) {
    const r = report.replay;
    lines.push('', '## Replay', '');
    lines.push(
      `- Stream \`${r.stream}\`, ${describeSequences(r)}: ${r.events} events (${Math.round(r.eventsPerSecond)}/s)`,
    );
    lines.push(`- Gaps: ${r.gaps.length === 0 ? 'none' : r.gaps.map(([a, b]) => `${a}-${b}`).join(', ')}`);
    if (r.base) {
      lines.push(
        `- Base state: ${r.base.source === 'empty' ? `empty${r.base.from ? ` (${r.base.from})` : ''}` : `${r.base.source} at ${r.base.seq}${r.base.from ? ` (${r.base.from})` : ''}`}`,
      );
    }
    lines.push(`- Duplicates: ${r.duplicates}, schema violations: ${r.schemaViolations}`);
    if (r.rejections) {
      const k = r.rejections;
      lines.push(
        `- Left out of the fold: ${k.notJson.count} not JSON, ${k.unknownType.count} unknown type, ${k.schemaInvalid.count} schema-invalid, ${k.rejected.count} rejected by the projection`,
      );
    }
    lines.push(
      r.digest === ''
        ? `- Digest: none (the run stopped after ${r.events} events)`
        : `- Digest: \`${r.digest}\`${r.expectedDigest ? ` (expected \`${r.expectedDigest}\`)` : ''}`,
    );
  }
  if (report.phases.length > 0) {
    lines.push('', '## Phases', '', '| phase | outcome | duration | detail |', '|---|---|---|---|');
    for (const p of report.phases) {
      lines.push(
        `| ${p.name} | ${icon[p.outcome]} | ${formatDuration(elapsed(p.startedAt, p.finishedAt))} | ${escapeCell(p.detail ?? '')} |`,
      );
    }
  }
  lines.push('', '## Checks', '');
  if (report.checks.length === 0) lines.push('No checks ran.');
  else {
    lines.push('| check | outcome | detail |', '|---|---|---|');
    for (const c of sortChecks(report.checks))
      lines.push(`| ${c.name} | ${icon[c.outcome]} | ${escapeCell(c.detail)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

export function title(report: Pick<Report, 'kind'>): string {
  const names: Record<Report['kind'], string> = {
    backup: 'Backup',
    'restore-drill': 'Restore drill',
    'replay-rehearsal': 'Replay rehearsal',
    'canary-halt': 'Canary halt',
    'secret-rotation': 'Secret rotation',
    'rotation-audit': 'Rotation audit',
    'canary-verdict': 'Canary verdict',
  };
  return names[report.kind];
}

/** Failed checks first, so that a reader sees what broke without scrolling. */
function sortChecks(checks: readonly Check[]): Check[] {
  const rank = { failed: 0, inconclusive: 1, passed: 2, skipped: 3 } as const;
  return [...checks].sort((a, b) => rank[a.outcome] - rank[b.outcome]);
}

export function elapsed(from: string, to: string): number {
  return (new Date(to).getTime() - new Date(from).getTime()) / 1000;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
