import { type Report, reportKey, reportKinds, reportSchema } from './core/report.js';
import { ReportExistsError } from './core/reportingErrors.js';
import type { RunbookStore } from './ports.js';

/** How many report bodies are fetched at once when listing. */
const FETCH_CONCURRENCY = 8;

export type ReportFilter = { kind?: Report['kind']; system?: string; limit?: number };

/**
 * What the runbook stores share, written once: the layout (`reports/<kind>/<YYYY>/<MM>/<id>.json`
 * + `.md`, `RUNBOOK.md`, extra files under the same root), never overwriting a report (storing the
 * identical report again, a redelivered step, is success; a different report under an existing id
 * is a ReportExistsError), listing newest first with filter and limit, and skipping what is not a
 * drillbook report (malformed JSON with a warning). A store (folder, S3) does raw reads, writes
 * and listings of keys relative to its root only.
 */
export abstract class KeyedRunbookStore implements RunbookStore {
  constructor(private readonly warn: (message: string) => void = (m) => console.warn(m)) {}

  /** Where `key` is, as users see it (a path, an s3:// URI). */
  abstract location(key: string): string;
  abstract exists(key: string): Promise<boolean>;
  /** The text at `key`, or null when there is none. */
  protected abstract readText(key: string): Promise<string | null>;
  /** Writes `key`, replacing what is there; a reader never sees half of it. */
  protected abstract writeText(key: string, body: string, contentType: string): Promise<void>;
  /** Creates `key` only if it does not exist yet, atomically: 'exists' when it did. */
  protected abstract createText(
    key: string,
    body: string,
    contentType: string,
  ): Promise<'created' | 'exists'>;
  /** Deletes `key`; nothing when it is gone. */
  protected abstract deleteKey(key: string): Promise<void>;
  /** Every key below `prefix` (relative to the root, "/"-separated). */
  protected abstract listKeys(prefix: string): Promise<string[]>;
  /** The key an extra file (putFile, getFile) is stored under; refuses one that escapes the root. */
  protected fileKey(key: string): string {
    return key;
  }

  async putReport(report: Report, markdown: string): Promise<string> {
    const key = reportKey(report);
    const jsonKey = `${key}.json`;
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (await this.exists(jsonKey)) return this.alreadyStored(report, jsonKey, json);
    // Markdown first, JSON last: a JSON object means the report is complete.
    const md = 'text/markdown; charset=utf-8';
    if ((await this.createText(`${key}.md`, markdown, md)) === 'exists') {
      // A leftover of an interrupted earlier attempt of this very run (the JSON is still absent,
      // and ids are unique per run): finishing it is the idempotent thing to do.
      if (await this.exists(jsonKey)) return this.alreadyStored(report, jsonKey, json);
      await this.writeText(`${key}.md`, markdown, md);
    }
    if ((await this.createText(jsonKey, json, 'application/json; charset=utf-8')) === 'exists')
      return this.alreadyStored(report, jsonKey, json);
    return this.location(jsonKey);
  }

  /**
   * The report's JSON is already there. The very same report (a redelivered publish step) is
   * success: nothing is rewritten. Anything else is a different run under the same id: refused.
   */
  private async alreadyStored(report: Report, jsonKey: string, json: string): Promise<string> {
    if ((await this.readText(jsonKey)) === json) return this.location(jsonKey);
    throw new ReportExistsError(report.id, this.location(jsonKey));
  }

  async listReports(filter: ReportFilter = {}): Promise<Report[]> {
    const root = 'reports/';
    const keys = (await this.listKeys(root + (filter.kind ? `${filter.kind}/` : ''))).filter((k) =>
      k.endsWith('.json'),
    );
    // Keys carry the month the report started in, so whole months can be read newest first and
    // the listing can stop once `limit` reports are found.
    const byMonth = new Map<string, string[]>();
    for (const key of keys) {
      const parts = key.slice(root.length).split('/'); // <kind>/<YYYY>/<MM>/<id>.json
      if (parts.length !== 4) continue;
      const month = `${parts[1]}/${parts[2]}`;
      byMonth.set(month, [...(byMonth.get(month) ?? []), key]);
    }
    const reports: Report[] = [];
    for (const month of [...byMonth.keys()].sort().reverse()) {
      const monthKeys = byMonth.get(month) ?? [];
      const bodies = await mapLimit(monthKeys, FETCH_CONCURRENCY, (k) => this.readText(k));
      for (const [i, body] of bodies.entries()) {
        const report = this.parseReport(monthKeys[i] ?? '', body);
        if (!report || (filter.system && report.system !== filter.system)) continue;
        reports.push(report);
      }
      if (filter.limit && reports.length >= filter.limit) break;
    }
    reports.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
    return filter.limit ? reports.slice(0, filter.limit) : reports;
  }

  async getReport(id: string): Promise<Report | null> {
    const kind = reportKinds.find((k) => id.startsWith(`${k}-`));
    const keys = await this.listKeys(`reports/${kind ? `${kind}/` : ''}`);
    const key = keys.find((k) => k.endsWith(`/${id}.json`));
    if (!key) return null;
    return this.parseReport(key, await this.readText(key));
  }

  readRunbook(): Promise<string | null> {
    return this.readText('RUNBOOK.md');
  }

  async writeRunbook(text: string): Promise<void> {
    await this.writeText('RUNBOOK.md', text, 'text/markdown; charset=utf-8');
  }

  async putFile(key: string, body: string, contentType: string): Promise<string> {
    const full = this.fileKey(key);
    await this.writeText(full, body, contentType);
    return this.location(full);
  }

  getFile(key: string): Promise<string | null> {
    return this.readText(this.fileKey(key));
  }

  async claimFile(
    key: string,
    body: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: string }> {
    if ((await this.createText(key, body, 'application/json; charset=utf-8')) === 'created') {
      return { claimed: true };
    }
    return { claimed: false, existing: (await this.readText(key)) ?? '' };
  }

  releaseClaim(key: string): Promise<void> {
    return this.deleteKey(key);
  }

  /** The report in `body`; null for what is not a drillbook report (skipped, malformed JSON with a warning). */
  private parseReport(key: string, body: string | null): Report | null {
    if (body === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      this.warn(`skipping ${this.location(key)}: not valid JSON (${(error as Error).message})`);
      return null;
    }
    const parsed = reportSchema.safeParse(json);
    return parsed.success ? (parsed.data as Report) : null; // not a drillbook report: skip it
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
