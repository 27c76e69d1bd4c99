import { InputError } from '../../core/errors.js';
import { renderMarkdown } from '../../core/markdown.js';
import { reportKinds } from '../../core/report.js';
import { parseFlags } from '../args.js';
import type { Command } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { optionalConfig } from '../runbookFlag.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'show a stored report (latest, or by id)',
  help: `usage: drillbook report [latest|ID] [--kind KIND] [--system NAME] [--runbook DIR] [--json]

Shows a report from the runbook store as Markdown (or JSON with --json).
  latest        the newest report (default), optionally of --kind and --system
  ID            a report id, as printed at the end of every job
  --kind        one of: ${reportKinds.join(', ')}
  --runbook     runbook folder (default: the config's runbook.dir, else ./runbook)
  --target aws  read the S3 runbook store (config runbook.s3, or DRILLBOOK_RUNBOOK_BUCKET)`,
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(
      argv,
      { kind: { type: 'string' }, runbook: { type: 'string' } },
      true,
    );
    const kind = values.kind;
    if (kind !== undefined && !(reportKinds as readonly string[]).includes(kind)) {
      throw new InputError('--kind', `must be one of ${reportKinds.join(', ')}`);
    }
    // --target aws reads the S3 runbook store (runbook.s3 in the config, or DRILLBOOK_RUNBOOK_BUCKET).
    const store = cliPublishers(ctx, optionalConfig(values.config), {
      target: values.target,
      runbook: values.runbook,
    }).runbook;
    const which = positionals[0] ?? 'latest';
    const report =
      which === 'latest'
        ? ((
            await store.listReports({
              ...(kind ? { kind: kind as (typeof reportKinds)[number] } : {}),
              ...(values.system ? { system: values.system } : {}),
              limit: 1,
            })
          )[0] ?? null)
        : await store.getReport(which);
    if (!report) throw new InputError(which === 'latest' ? 'latest' : 'ID', `no report found for "${which}"`);
    ctx.out(values.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
    return 0;
  },
};
