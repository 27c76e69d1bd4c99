import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupError, describeError } from '../core/errors.js';
import type { Manifest } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import { archiveContinuity, parseSegment, startSegmentFromLabel } from '../core/walSegments.js';
import type { BackupRecord, BackupRepository, Progress } from '../ports.js';
import { giveToServerUser, pgBin, run } from './exec.js';

const RECORD_FILE = 'drillbook-backup.json';

/**
 * Local backups of one system: physical base backups (pg_basebackup, plain format, WAL streamed
 * in) under <dir>/base/<id>, and the continuous WAL archive the source's archive_command fills
 * under <dir>/wal.
 */
export class LocalBackupRepository implements BackupRepository {
  constructor(
    private readonly dir: string,
    private readonly system: string,
    private readonly sourceUrl: string,
    /** How hard the copy may press on the source (config backup.local.checkpoint / maxRate). */
    private readonly copy: { checkpoint: 'fast' | 'spread'; maxRate?: string | undefined } = {
      checkpoint: 'fast',
    },
  ) {}

  get archiveDir(): string {
    return join(this.dir, 'wal');
  }

  private baseDir(id: string): string {
    return join(this.dir, 'base', id);
  }

  async take(backupId: string, progress: Progress): Promise<BackupRecord> {
    const existing = await this.get(backupId);
    if (existing) {
      progress.step(`backup ${backupId} already exists: reusing it`);
      return existing;
    }
    await ensureOwnedDir(this.dir);
    await ensureOwnedDir(join(this.dir, 'base'));
    await ensureOwnedDir(this.archiveDir);
    const target = this.baseDir(backupId);
    const partial = `${target}.partial`;
    await rm(partial, { recursive: true, force: true });
    const takenAt = new Date();
    progress.step(`pg_basebackup into ${target}`);
    const { conninfo, password } = splitPassword(this.sourceUrl);
    await run(
      pgBin('pg_basebackup'),
      [
        '-d',
        conninfo,
        '-D',
        partial,
        '-Fp',
        '-X',
        'stream',
        '-c',
        this.copy.checkpoint,
        ...(this.copy.maxRate ? ['--max-rate', this.copy.maxRate] : []),
        '-l',
        `drillbook ${backupId}`,
      ],
      {
        asServerUser: true,
        timeoutMs: 6 * 3600_000,
        env: password ? { PGPASSWORD: password } : {},
      },
    ).catch(async (error: unknown) => {
      await rm(partial, { recursive: true, force: true });
      throw new BackupError(`pg_basebackup failed: ${describeError(error)}`, { cause: error });
    });
    const record: BackupRecord = {
      id: backupId,
      system: this.system,
      takenAt: takenAt.toISOString(),
      finishedAt: new Date().toISOString(),
      location: target,
      sizeBytes: await folderSize(partial),
      manifest: null,
    };
    await writeRecord(partial, record);
    await rename(partial, target);
    return record;
  }

  async list(): Promise<BackupRecord[]> {
    const base = join(this.dir, 'base');
    if (!existsSync(base)) return [];
    const records: BackupRecord[] = [];
    for (const entry of await readdir(base)) {
      if (entry.endsWith('.partial')) continue;
      const record = await this.get(entry);
      if (record) records.push(record);
    }
    return records.sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  }

  async get(backupId: string): Promise<BackupRecord | null> {
    const file = join(this.baseDir(backupId), RECORD_FILE);
    if (!existsSync(file)) return null;
    return JSON.parse(await readFile(file, 'utf8')) as BackupRecord;
  }

  manifestLocation(record: BackupRecord): string {
    return join(record.location, RECORD_FILE);
  }

  async attachManifest(record: BackupRecord, manifest: Manifest): Promise<BackupRecord> {
    const updated = { ...record, manifest };
    await writeRecord(record.location, updated);
    return updated;
  }

  async remove(record: BackupRecord): Promise<void> {
    if (!existsSync(join(record.location, RECORD_FILE))) {
      throw new BackupError(`refusing to remove ${record.location}: not a drillbook backup folder`);
    }
    await rm(record.location, { recursive: true, force: true });
  }

  /** WAL older than the oldest remaining base backup is no longer needed. */
  async pruneArchive(): Promise<number> {
    const oldest = (await this.list()).at(-1);
    if (!oldest || !existsSync(this.archiveDir)) return 0;
    const start = await this.startSegment(oldest);
    if (!start) return 0;
    const before = (await readdir(this.archiveDir)).length;
    await run(pgBin('pg_archivecleanup'), [this.archiveDir, start], {
      asServerUser: true,
      timeoutMs: 300_000,
    });
    return before - (await readdir(this.archiveDir)).length;
  }

  async verify(record: BackupRecord): Promise<Check[]> {
    const checks: Check[] = [];
    try {
      await run(pgBin('pg_verifybackup'), ['--quiet', `--ignore=${RECORD_FILE}`, record.location], {
        asServerUser: true,
        timeoutMs: 3600_000,
      });
      checks.push({
        name: 'backup-integrity',
        outcome: 'passed',
        detail: 'pg_verifybackup: files and WAL match backup_manifest',
      });
    } catch (error) {
      checks.push({
        name: 'backup-integrity',
        outcome: 'failed',
        detail: `pg_verifybackup: ${describeError(error)}`,
      });
    }
    checks.push(await this.walContinuity(record));
    return checks;
  }

  private async startSegment(record: BackupRecord): Promise<string | null> {
    const label = join(record.location, 'backup_label');
    return existsSync(label) ? startSegmentFromLabel(await readFile(label, 'utf8')) : null;
  }

  /** Every WAL segment from the backup's start to the newest archived one is present. */
  async walContinuity(record: BackupRecord): Promise<Check> {
    const start = await this.startSegment(record);
    if (!start)
      return {
        name: 'wal-archive-continuity',
        outcome: 'failed',
        detail: 'backup_label missing or unreadable',
      };
    const files = existsSync(this.archiveDir) ? await readdir(this.archiveDir) : [];
    const c = archiveContinuity(files, start);
    if (c.missing.length > 0) {
      return {
        name: 'wal-archive-continuity',
        outcome: 'failed',
        detail: `missing WAL segment(s) ${c.missing.join(', ')} between ${start} and ${c.last ?? start}`,
      };
    }
    return {
      name: 'wal-archive-continuity',
      outcome: 'passed',
      detail: `segments ${c.first} to ${c.last} present`,
    };
  }

  async newestRestorablePoint(): Promise<Date | null> {
    if (!existsSync(this.archiveDir)) return null;
    let newest: Date | null = null;
    for (const file of await readdir(this.archiveDir)) {
      if (!parseSegment(file)) continue;
      const { mtime } = await stat(join(this.archiveDir, file));
      if (!newest || mtime > newest) newest = mtime;
    }
    return newest;
  }
}

async function writeRecord(dir: string, record: BackupRecord): Promise<void> {
  const tmp = join(dir, `${RECORD_FILE}.tmp`);
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, join(dir, RECORD_FILE));
}

async function ensureOwnedDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  giveToServerUser(dir);
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Keeps the password out of argv (visible in ps): it goes to the tool through PGPASSWORD. */
export function splitPassword(url: string): { conninfo: string; password: string | null } {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  parsed.password = '';
  return { conninfo: parsed.toString(), password };
}
