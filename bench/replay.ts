/**
 * Replay rehearsal benchmark (npm run bench:replay [-- --events 500000]).
 *
 * Starts a throwaway nats-server, publishes the demo contact events (10k contacts, so the
 * projected state stays the same size however many events there are), then, each in a fresh
 * child process so peak memory is measured cleanly:
 *   - raw:       read the window with the ordered consumer, doing nothing with the messages
 *   - rehearsal: the full rehearsal job on the same window (pass 1 validates, checks the log,
 *                folds and digests; pass 2 folds and digests again), for half and all events
 *   - rehearsal-worker: the same with --fold-worker (validation and folding on a worker thread)
 * Raw reads and rehearsals are interleaved (--runs, default 2) and the best of each is kept, as
 * the machine may be shared.
 * and prints read rates, the rehearsal/raw ratio (target >= 0.8) and peak memory (target: flat
 * between the half and the full window).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inlineFoldEngine, parallelFoldEngine } from '../lib/jobs/replay/foldEngine.js';
import { runReplayRehearsal } from '../lib/jobs/replay/replayRehearsal.js';
import { FolderRunbookStore } from '../lib/local/folderRunbookStore.js';
import { LocalNatsServer } from '../lib/local/natsServer.js';
import { NatsWindowReader } from '../lib/nats/windowReader.js';
import { contactsProjection } from '../lib/projections/contacts.js';
import { contactsDemoEvents, ensureStream, publishEvents } from '../lib/projections/contactsSeed.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '500000' },
    contacts: { type: 'string', default: '10000' },
    child: { type: 'string' },
    url: { type: 'string' },
    to: { type: 'string' },
    runs: { type: 'string', default: '2' },
  },
});

const stream = 'BENCH';

interface Measurement {
  mode: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Rate of the rehearsal's first pass (validate + log checks + fold + digest). */
  pass1EventsPerSecond?: number;
  outcome?: string;
  maxRssMb: number;
  peakHeapMb: number;
}

function memorySampler(): () => number {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

async function child(mode: string, url: string, toSeq: number): Promise<Measurement> {
  const stopSampling = memorySampler();
  const started = performance.now();
  let events = 0;
  let extra: Partial<Measurement> = {};
  if (mode === 'raw') {
    const reader = new NatsWindowReader(url);
    let bytes = 0;
    await reader.readWindow(stream, { fromSeq: 1, toSeq }, (e) => {
      events++;
      bytes += e.data.length;
    });
    await reader.close();
    if (bytes === 0) throw new Error('read nothing');
  } else {
    const root = mkdtempSync(join(tmpdir(), 'drillbook-bench-runbook-'));
    try {
      const { report } = await runReplayRehearsal(
        { system: 'bench', environment: 'bench', stream, toSeq, projection: contactsProjection },
        {
          reader: new NatsWindowReader(url),
          publish: { runbook: new FolderRunbookStore(root), warn: () => {} },
          foldEngine: mode === 'rehearsal-worker' ? parallelFoldEngine : inlineFoldEngine,
        },
      );
      events = report.replay?.events ?? 0;
      const passes = report.details?.['passes'] as { eventsPerSecond: number }[] | undefined;
      extra = { outcome: report.outcome, pass1EventsPerSecond: passes?.[0]?.eventsPerSecond ?? 0 };
      if (report.outcome !== 'passed') throw new Error(`rehearsal ${report.outcome}: ${report.reason ?? ''}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const peakHeap = stopSampling();
  return {
    mode,
    events,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(events / seconds),
    ...extra,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    peakHeapMb: Math.round(peakHeap / 1024 / 1024),
  };
}

function measure(mode: string, url: string, toSeq: number): Measurement {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--child', mode, '--url', url, '--to', String(toSeq)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Measurement;
}

async function main(): Promise<void> {
  if (values.child) {
    const result = await child(values.child, values.url!, Number(values.to));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const total = Number(values.events);
  const half = Math.floor(total / 2);
  const runs = Math.max(1, Number(values.runs));
  const root = mkdtempSync(join(tmpdir(), 'drillbook-bench-nats-'));
  const server = await LocalNatsServer.start({ storeDir: join(root, 'store') });
  try {
    const t0 = performance.now();
    await ensureStream(server.url, stream, 'bench');
    await publishEvents(
      server.url,
      'bench',
      contactsDemoEvents(total, { contacts: Number(values.contacts) }),
      2000,
    );
    const publishSeconds = (performance.now() - t0) / 1000;
    console.error(`published ${total} events in ${publishSeconds.toFixed(1)}s`);
    const results: Measurement[] = [];
    // Interleave raw reads and rehearsals so machine load affects both alike; keep the best of each.
    for (let r = 0; r < runs; r++) {
      results.push(measure('raw', server.url, total));
      results.push(measure('rehearsal', server.url, total));
      results.push(measure('rehearsal', server.url, half));
      results.push(measure('rehearsal-worker', server.url, total));
      console.error(`run ${r + 1}/${runs} done`);
    }
    const best = (mode: string, events: number, key: 'eventsPerSecond' | 'pass1EventsPerSecond') =>
      results
        .filter((m) => m.mode === mode && m.events === events)
        .sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0))[0]!;
    const raw = best('raw', total, 'eventsPerSecond');
    const full = best('rehearsal', total, 'pass1EventsPerSecond');
    const halfRun = best('rehearsal', half, 'pass1EventsPerSecond');
    const workerRun = best('rehearsal-worker', total, 'pass1EventsPerSecond');
    const maxOf = (mode: string, events: number, key: 'maxRssMb' | 'peakHeapMb') =>
      Math.max(...results.filter((m) => m.mode === mode && m.events === events).map((m) => m[key]));
    const summary = {
      events: total,
      contacts: Number(values.contacts),
      rawReadEventsPerSecond: raw.eventsPerSecond,
      rehearsalPass1EventsPerSecond: full.pass1EventsPerSecond,
      ratio: Math.round(((full.pass1EventsPerSecond ?? 0) / raw.eventsPerSecond) * 100) / 100,
      rehearsalTwoPassesSeconds: full.seconds,
      memory: {
        [`rehearsal ${half}`]: {
          maxRssMb: maxOf('rehearsal', half, 'maxRssMb'),
          peakHeapMb: maxOf('rehearsal', half, 'peakHeapMb'),
        },
        [`rehearsal ${total}`]: {
          maxRssMb: maxOf('rehearsal', total, 'maxRssMb'),
          peakHeapMb: maxOf('rehearsal', total, 'peakHeapMb'),
        },
        [`raw ${total}`]: {
          maxRssMb: maxOf('raw', total, 'maxRssMb'),
          peakHeapMb: maxOf('raw', total, 'peakHeapMb'),
        },
      },
      halfWindowPass1EventsPerSecond: halfRun.pass1EventsPerSecond,
      foldWorkerPass1EventsPerSecond: workerRun.pass1EventsPerSecond,
      foldWorkerRatio: Math.round(((workerRun.pass1EventsPerSecond ?? 0) / raw.eventsPerSecond) * 100) / 100,
      loadAverage: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10),
      runs: results,
    };
    console.log(JSON.stringify(summary, null, 2));
    console.error(
      `raw read ${raw.eventsPerSecond}/s, rehearsal pass 1 ${full.pass1EventsPerSecond}/s (ratio ${summary.ratio}, target >= 0.8); ` +
        `with --fold-worker ${workerRun.pass1EventsPerSecond}/s (ratio ${summary.foldWorkerRatio}); ` +
        `peak RSS ${maxOf('rehearsal', half, 'maxRssMb')} MB at ${half} vs ${maxOf('rehearsal', total, 'maxRssMb')} MB at ${total} events`,
    );
  } finally {
    await server.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
