import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describeError } from '../core/errors.js';
import {
  emptySweep,
  type HostFacts,
  judgeLocalStaging,
  type OrphanSweep,
  parseStagingMarker,
  type StagingMarker,
} from '../core/orphans.js';
import type { Progress } from '../ports.js';
import { pgBin, run } from './exec.js';
import { currentBootId, processExists, runningProcesses } from './processIdentity.js';
import { removeClusterDir } from './socketDir.js';

/** The marker file in every local staging folder (written at provision, checked before any removal). */
export const STAGING_MARKER = 'drillbook-staging.json';
/** Local staging folders are named `<prefix><backup id>-<time>`. */
export const STAGING_PREFIX = 'drillbook-staging-';

export interface LocalSweepOptions {
  workDir: string;
  /** longestDrillMs() of the local target: the age past which an unaskable owner counts as gone. */
  limitMs: number;
  dryRun?: boolean;
  now?: () => Date;
}

interface Candidate {
  name: string;
  dir: string;
  marker: StagingMarker;
}

/**
 * Sweeps one work folder: each direct sub-folder carrying drillbook's marker is judged by
 * judgeLocalStaging(); an orphan's server is stopped (pg_ctl stop -m immediate, only when its
 * postmaster.pid names a live postmaster of that very data folder) and the folder removed.
 * Symbolic links are never followed; folders without the marker are never touched.
 */
export async function sweepLocalStaging(
  options: LocalSweepOptions,
  progress: Progress,
): Promise<OrphanSweep> {
  const dryRun = options.dryRun ?? false;
  const sweep = emptySweep(options.workDir, dryRun);
  if (!existsSync(options.workDir)) return sweep;
  const candidates: Candidate[] = [];
  for (const entry of await readdir(options.workDir, { withFileTypes: true })) {
    const ours = entry.name.startsWith(STAGING_PREFIX);
    if (entry.isSymbolicLink()) {
      if (ours) sweep.left.push({ id: entry.name, why: 'a symbolic link: not followed' });
      continue;
    }
    if (!entry.isDirectory()) continue;
    const dir = join(options.workDir, entry.name);
    const marker = await readMarker(dir);
    if (marker === 'missing') {
      if (ours)
        sweep.left.push({ id: entry.name, why: `no ${STAGING_MARKER} marker: not drillbook's to remove` });
      continue;
    }
    if (marker === 'foreign') {
      sweep.left.push({ id: entry.name, why: `${STAGING_MARKER} is not a drillbook marker` });
      continue;
    }
    candidates.push({ name: entry.name, dir, marker });
  }
  if (candidates.length === 0) return sweep;

  const facts: HostFacts = {
    host: hostname(),
    bootId: currentBootId(),
    processes: runningProcesses(candidates.flatMap((c) => (c.marker.owner ? [c.marker.owner.pid] : []))),
    now: (options.now ?? (() => new Date()))(),
  };
  for (const candidate of candidates) {
    const verdict = judgeLocalStaging(candidate.marker, facts, options.limitMs);
    if (!verdict.orphan) {
      sweep.left.push({ id: candidate.name, why: verdict.why });
      continue;
    }
    if (dryRun) {
      const server = await liveServer(join(candidate.dir, 'data'));
      sweep.removed.push({
        id: candidate.name,
        why: verdict.why,
        detail: server ? `server running on port ${server.port}` : 'no server running',
      });
      continue;
    }
    try {
      const detail = await removeOrphan(candidate.dir, progress, `${candidate.name}: ${verdict.why}`);
      sweep.removed.push({ id: candidate.name, why: verdict.why, detail });
    } catch (error) {
      sweep.failed.push({ id: candidate.name, why: verdict.why, detail: describeError(error) });
    }
  }
  return sweep;
}

/** The folder's marker: parsed, 'missing' (none, or not a regular file), or 'foreign'. */
async function readMarker(dir: string): Promise<StagingMarker | 'missing' | 'foreign'> {
  const path = join(dir, STAGING_MARKER);
  try {
    if (!(await lstat(path)).isFile()) return 'missing';
  } catch {
    return 'missing';
  }
  return parseStagingMarker(await readFile(path, 'utf8')) ?? 'foreign';
}

async function removeOrphan(dir: string, progress: Progress, what: string): Promise<string> {
  const dataDir = join(dir, 'data');
  const server = await liveServer(dataDir);
  let detail = 'no server was running';
  if (server) {
    progress.step(`orphaned staging ${what}: stopping its server (pid ${server.pid}, port ${server.port})`);
    await run(pgBin('pg_ctl'), ['stop', '-w', '-t', '60', '-m', 'immediate', '-D', dataDir], {
      asServerUser: true,
      timeoutMs: 70_000,
    }).catch(async (error: unknown) => {
      if (await liveServer(dataDir)) throw error; // another sweep may have stopped it meanwhile
    });
    detail = `stopped its server (port ${server.port})`;
  } else {
    progress.step(`orphaned staging ${what}: removing it`);
  }
  await removeClusterDir(dir);
  return `${detail}; folder removed`;
}

/**
 * The postmaster a data folder's postmaster.pid names, when it is alive and really serves this
 * folder. After a reboot the pid in a stale file may belong to anything: on Linux the process's
 * working folder (a postmaster runs in its data folder) must be this one; elsewhere pg_ctl decides.
 */
async function liveServer(dataDir: string): Promise<{ pid: number; port: string } | null> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const server = { pid, port: lines[3]?.trim() || '?' };
  if (!processExists(pid)) return null;
  if (existsSync('/proc/self/cwd')) {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir) ? server : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EACCES') return null;
    }
  }
  try {
    await run(pgBin('pg_ctl'), ['status', '-D', dataDir], { asServerUser: true, timeoutMs: 10_000 });
    return server;
  } catch {
    return null;
  }
}
