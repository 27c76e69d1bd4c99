/**
 * A write load on a throwaway Postgres for the production-cost benchmarks: pgbench runs for a
 * while with every transaction's latency logged (-l), and the latencies of the transactions that
 * overlapped a window are compared between a run with drillbook's work and one without.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Pgbench = (args: string[]) => Promise<unknown>;

/** pgbench starts this long before the measured work (and its window starts this far into a run). */
export const LEAD_SECONDS = 3;

export interface Latencies {
  transactions: number;
  maxMs: number;
  p99Ms: number;
}

export interface Window {
  from: number;
  to: number;
}

export interface Transaction {
  start: number;
  end: number;
  ms: number;
}

/**
 * pgbench for `seconds` (`script`: its own arguments, e.g. ['-N'] or ['-f', file]) with `clients`
 * clients, every transaction logged under `prefix` in `dir`; `during` starts LEAD_SECONDS in.
 */
export async function writeLoad(
  pgbench: Pgbench,
  options: { dir: string; prefix: string; seconds: number; clients: number; script: string[] },
  during: () => Promise<void>,
): Promise<{ startedAt: number }> {
  const startedAt = Date.now();
  const load = pgbench([
    ...options.script,
    '-n',
    '-c',
    String(options.clients),
    '-j',
    '2',
    '-T',
    String(options.seconds),
    '-l',
    '--log-prefix',
    join(options.dir, options.prefix),
  ]);
  await new Promise((r) => setTimeout(r, LEAD_SECONDS * 1000));
  await during();
  await load;
  return { startedAt };
}

/** Every transaction pgbench -l logged under `prefix` (client, transaction, latency µs, script, end s, end µs). */
export async function transactions(dir: string, prefix: string): Promise<Transaction[]> {
  const files = (await readdir(dir)).filter((f) => f.startsWith(`${prefix}.`));
  const all: Transaction[] = [];
  for (const file of files) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 6) continue;
      const ms = Number(fields[2]) / 1000;
      const end = Number(fields[4]) * 1000 + Number(fields[5]) / 1000;
      all.push({ start: end - ms, end, ms });
    }
  }
  return all;
}

/** Latency of the transactions that overlapped the window. */
export function latencies(all: readonly Transaction[], window: Window): Latencies {
  const ms = all
    .filter((t) => t.end >= window.from && t.start <= window.to)
    .map((t) => t.ms)
    .sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(1));
  return {
    transactions: ms.length,
    maxMs: round(ms.at(-1) ?? 0),
    p99Ms: round(ms[Math.floor(ms.length * 0.99)] ?? 0),
  };
}

/**
 * The same stretch of two runs: `busy` (with drillbook's work) and `quiet` (without), the window
 * given in the busy run's clock and shifted by the runs' start difference for the quiet one.
 */
export function compareWindow(
  busy: { startedAt: number; transactions: readonly Transaction[] },
  quiet: { startedAt: number; transactions: readonly Transaction[] },
  window: Window,
): { with: Latencies; without: Latencies } {
  const shift = quiet.startedAt - busy.startedAt;
  return {
    with: latencies(busy.transactions, window),
    without: latencies(quiet.transactions, { from: window.from + shift, to: window.to + shift }),
  };
}
