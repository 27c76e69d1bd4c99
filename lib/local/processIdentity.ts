import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { StagingOwner } from '../core/orphans.js';

/**
 * Who this process is, in a form that still means the same process later: the pid plus its start
 * time since boot (a reused pid has another), the boot id (a reboot ends every owner) and the host.
 * Linux exposes all three under /proc; elsewhere only the pid and host are known.
 */
export function currentOwner(): StagingOwner {
  return {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    bootId: currentBootId(),
    host: hostname(),
  };
}

export function currentBootId(): string | null {
  return readTrimmed('/proc/sys/kernel/random/boot_id');
}

/** Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot. */
export function processStartTicks(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/**
 * Does a process with this pid run (whoever owns it)? A zombie does not: a killed drill or server
 * whose parent has not reaped it yet still answers kill(pid, 0).
 */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = processState(pid);
  return state !== 'Z' && state !== 'X';
}

/** Field 3 of /proc/<pid>/stat (R, S, D, Z, ...), or null where there is no /proc. */
function processState(pid: number): string | null {
  return statFields(pid)?.[0] ?? null;
}

/** /proc/<pid>/stat from field 3 on (after the parenthesised command name, which may hold spaces). */
function statFields(pid: number): string[] | null {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
}

/** The running processes among `pids`, with their start ticks where known. */
export function runningProcesses(pids: Iterable<number>): Map<number, string | null> {
  const found = new Map<number, string | null>();
  for (const pid of pids) if (processExists(pid)) found.set(pid, processStartTicks(pid));
  return found;
}

function readTrimmed(path: string): string | null {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8').trim() || null : null;
  } catch {
    return null;
  }
}
