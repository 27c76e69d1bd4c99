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

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export function processStartTicks(pid: number): string | null {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** Does a process with this pid exist (whoever owns it)? */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
