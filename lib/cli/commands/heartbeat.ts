import { describeError } from '../../core/errors.js';
import { sleep } from '../../core/wait.js';
import { localSource } from '../../local/wiring.js';
import { intFlag, parseFlags } from '../args.js';
import type { Command } from '../context.js';
import { resolveSystem, systemFlagSpec } from '../systemFlags.js';

export const heartbeatCommand: Command = {
  name: 'heartbeat',
  summary: 'write heartbeats to the source (RPO is measured against the newest one restored)',
  help: `usage: drillbook heartbeat [--config FILE] [--system NAME] [--source-url URL] [--every SECONDS] [--count N]

Upserts the system's row in the heartbeat table (systems[].database.heartbeatTable, default
public.drillbook_heartbeat) with the commit time. Run it continuously (e.g. as a service, --every 10)
so that a drill can measure how much data a restore would lose. Without --every it beats once.
Needs only the source (--source-url or the config's database section), no backup folder.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      ...systemFlagSpec,
      every: { type: 'string' },
      count: { type: 'string' },
    });
    const every = intFlag(values.every, 'every');
    const count = intFlag(values.count, 'count') ?? (every ? Number.POSITIVE_INFINITY : 1);
    const { system } = resolveSystem(values, { warn: ctx.err });
    const source = localSource(system);
    let failures = 0;
    for (let i = 0; i < count && !ctx.signal.aborted; i++) {
      try {
        const at = await source.writeHeartbeat();
        failures = 0;
        ctx.out(`heartbeat ${system.name} ${at.toISOString()}`);
      } catch (error) {
        failures += 1;
        ctx.err(`heartbeat failed (${failures} in a row): ${describeError(error)}`);
        if (failures >= 10 || !every) return 1;
      }
      if (every && i + 1 < count) await sleep(every * 1000, ctx.signal).catch(() => {});
    }
    return 0;
  },
};
