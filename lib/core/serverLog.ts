/** Reading a PostgreSQL server log (stderr format, any log_line_prefix) for the report. */

/**
 * The lines of a server log that say why a server did not start or stopped recovering: each
 * FATAL/PANIC (and ERROR, when there is no FATAL) with the DETAIL and HINT lines that follow it,
 * joined on one line, the newest `limit` of them, clipped to `maxChars`.
 */
export function failureSummary(log: string, limit = 3, maxChars = 1500): string | null {
  const lines = log.split('\n');
  const entries: { severity: string; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /\b(PANIC|FATAL|ERROR):\s+(.*)$/.exec(lines[i]!);
    if (!head) continue;
    const parts = [`${head[1]}: ${head[2]}`];
    for (let j = i + 1; j < lines.length; j++) {
      const more = /\b(DETAIL|HINT|CONTEXT):\s+(.*)$/.exec(lines[j]!);
      if (!more) break;
      if (more[1] !== 'CONTEXT') parts.push(`${more[1]}: ${more[2]}`);
      i = j;
    }
    entries.push({ severity: head[1]!, text: parts.join(' ') });
  }
  const fatal = entries.filter((e) => e.severity !== 'ERROR');
  const chosen = (fatal.length > 0 ? fatal : entries).slice(-limit).map((e) => e.text);
  if (chosen.length === 0) return null;
  const unique = chosen.filter((text, i) => chosen.indexOf(text) === i).join(' | ');
  return unique.length > maxChars ? `${unique.slice(0, maxChars - 1)}…` : unique;
}

/**
 * Why a staging server stopped, for the report: whether it got as far as recovering, its
 * FATAL/DETAIL lines, the newest transaction it replayed, and what to do about the usual cause.
 */
export function explainStop(log: string): string {
  const recovering = /redo starts at|consistent recovery state reached|ready to accept/.test(log);
  const parts = [
    recovering ? 'staging server stopped during recovery:' : 'staging server did not start:',
    failureSummary(log) ?? (log.trim().split('\n').at(-1) || '(empty log)'),
  ];
  const last = /last completed transaction was at log time ([^\n]+)/.exec(log)?.[1];
  if (last) parts.push(`(last completed transaction in the WAL archive: ${last.trim()})`);
  if (/recovery ended before configured recovery target was reached/.test(log)) {
    parts.push(
      '- the WAL archive ends before the recovery target: choose an earlier target time (archive_timeout bounds how far behind the archive can be)',
    );
  }
  return parts.join(' ');
}
