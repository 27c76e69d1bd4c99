import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { DrillbookError } from '../core/errors.js';
import { type Report, reportKey, reportSchema } from '../core/report.js';
import type { RunbookStore } from '../ports.js';

/** The runbook store as a local folder: reports/<kind>/<YYYY>/<MM>/<id>.json (+ .md) and RUNBOOK.md. */
export class FolderRunbookStore implements RunbookStore {
  constructor(readonly root: string) {}

  async putReport(report: Report, markdown: string): Promise<string> {
    const key = reportKey(report);
    const jsonPath = join(this.root, `${key}.json`);
    if (existsSync(jsonPath)) throw new DrillbookError(`report ${report.id} already exists at ${jsonPath}`);
    await mkdir(dirname(jsonPath), { recursive: true });
    await writeAtomically(join(this.root, `${key}.md`), markdown);
    await writeAtomically(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    return jsonPath;
  }

  async listReports(
    filter: { kind?: Report['kind']; system?: string; limit?: number } = {},
  ): Promise<Report[]> {
    const base = join(this.root, 'reports', filter.kind ?? '');
    if (!existsSync(base)) return [];
    const files = (await readdir(base, { recursive: true })).filter((f) => f.endsWith('.json'));
    const reports: Report[] = [];
    for (const file of files) {
      const parsed = reportSchema.safeParse(JSON.parse(await readFile(join(base, file), 'utf8')));
      if (!parsed.success) continue; // not a drillbook report: ignore rather than crash a listing
      if (filter.system && parsed.data.system !== filter.system) continue;
      reports.push(parsed.data as Report);
    }
    reports.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
    return filter.limit ? reports.slice(0, filter.limit) : reports;
  }

  async getReport(id: string): Promise<Report | null> {
    const all = await this.listReports();
    return all.find((r) => r.id === id) ?? null;
  }

  async readRunbook(): Promise<string | null> {
    const path = join(this.root, 'RUNBOOK.md');
    return existsSync(path) ? readFile(path, 'utf8') : null;
  }

  async writeRunbook(text: string): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await writeAtomically(join(this.root, 'RUNBOOK.md'), text);
  }

  async putFile(key: string, body: string): Promise<string> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeAtomically(path, body);
    return path;
  }

  async claimFile(
    key: string,
    body: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: string }> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written whole to a private name, then hard-linked into place: link(2) fails if the name
    // exists, so exactly one claimant wins and nobody ever reads half a claim.
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.claim`;
    await writeFile(tmp, body);
    try {
      await link(tmp, path);
      return { claimed: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { claimed: false, existing: await readFile(path, 'utf8') };
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  async releaseClaim(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private pathOf(key: string): string {
    const path = join(this.root, key);
    if (relative(this.root, path).startsWith('..'))
      throw new DrillbookError(`key escapes the runbook folder: ${key}`);
    return path;
  }

  async getFile(key: string): Promise<string | null> {
    const path = join(this.root, key);
    return existsSync(path) ? readFile(path, 'utf8') : null;
  }
}

/** Write to a temp file and rename, so a reader never sees half a report. */
async function writeAtomically(path: string, body: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, body);
  await rename(tmp, path);
}
