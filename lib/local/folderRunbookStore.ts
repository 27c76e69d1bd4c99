import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DrillbookError } from '../core/errors.js';
import { KeyedRunbookStore } from '../runbookStore.js';

/**
 * The runbook store as a local folder: reports/<kind>/<YYYY>/<MM>/<id>.json (+ .md) and RUNBOOK.md.
 * What both stores share (the republish rule, listing) is in lib/runbookStore.ts; this class
 * reads, writes and lists files only.
 */
export class FolderRunbookStore extends KeyedRunbookStore {
  constructor(
    readonly root: string,
    options: { warn?: (message: string) => void } = {},
  ) {
    super(options.warn);
  }

  location(key: string): string {
    return join(this.root, key);
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(join(this.root, key));
  }

  protected async readText(key: string): Promise<string | null> {
    const path = join(this.root, key);
    return existsSync(path) ? readFile(path, 'utf8') : null;
  }

  protected async writeText(key: string, body: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeAtomically(path, body);
  }

  protected async createText(key: string, body: string): Promise<'created' | 'exists'> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written whole to a private name, then hard-linked into place: link(2) fails if the name
    // exists, so exactly one writer wins and nobody ever reads half a file.
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.claim`;
    await writeFile(tmp, body);
    try {
      await link(tmp, path);
      return 'created';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return 'exists';
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  protected async deleteKey(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  protected async listKeys(prefix: string): Promise<string[]> {
    const base = join(this.root, prefix);
    if (!existsSync(base)) return [];
    const files = await readdir(base, { recursive: true });
    return files.map((f) => `${prefix}${f.split(sep).join('/')}`);
  }

  private pathOf(key: string): string {
    const path = join(this.root, key);
    if (relative(this.root, path).startsWith('..'))
      throw new DrillbookError(`key escapes the runbook folder: ${key}`);
    return path;
  }
}

/** Write to a temp file and rename, so a reader never sees half a report. */
async function writeAtomically(path: string, body: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, body);
  await rename(tmp, path);
}
