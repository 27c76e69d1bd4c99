import { runDemo } from '../../demo/runDemo.js';
import { intFlag, parseFlags } from '../args.js';
import type { Command } from '../context.js';
import { cliPublishers } from '../publishers.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every job end to end on throwaway local Postgres and NATS; leaves a runbook folder',
  help: `usage: drillbook demo [--dir DIR] [--scale N] [--json]

Starts throwaway local Postgres and NATS servers, seeds data and an event stream, then runs every job
on the local adapters: backup, restore drill (with PII masking), replay rehearsal, secret rotation,
rotation audit and a canary auto-halt. Writes every report (JSON, Markdown, HTML) to DIR/runbook,
rewrites DIR/runbook/RUNBOOK.md and prints the chat summaries. Servers, backups and staging clusters
are removed at the end (also on Ctrl-C); DIR/canary keeps the sample alarm event and registry.

  --dir DIR     where to leave the runbook folder (default: ./drillbook-demo)
  --scale N     pgbench scale of the demo database (default: 10, i.e. 1,000,000 accounts)
  --json        print the list of steps as JSON

Exit codes: 0 every job passed, 1 something failed, 2 bad input.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { dir: { type: 'string' }, scale: { type: 'string' } });
    const scale = intFlag(values.scale, 'scale') ?? 10;
    const steps = await runDemo({
      dir: values.dir ?? 'drillbook-demo',
      scale,
      progress: ctx.progress,
      signal: ctx.signal,
      publishers: (runbookDir) => cliPublishers(ctx, null, { runbook: runbookDir, json: values.json }),
    });
    if (values.json) ctx.out(JSON.stringify(steps, null, 2));
    else {
      ctx.out('\n== drillbook demo summary');
      for (const s of steps)
        ctx.out(`  ${s.job.padEnd(16)} ${s.outcome.toUpperCase().padEnd(12)} ${s.detail}`);
      const where = steps.find((s) => s.location)?.location;
      if (where)
        ctx.out(
          `\nReports are in ${where.replace(/\/reports\/.*$/, '')} (RUNBOOK.md, reports/<kind>/<YYYY>/<MM>/).`,
        );
    }
    return steps.every((s) => s.outcome === 'passed') ? 0 : 1;
  },
};
