/**
 * Time from an alarm's state change to the StopDeployment call, through the real halt job.
 *
 *   npm run bench:canary [-- --runs 30 --deployments 3]
 *
 * Each run writes a fresh local registry with `--deployments` in-flight canaries (plus a finished
 * one), builds a real-shaped ALARM event stamped "now", runs runCanaryHalt on the local adapters
 * with a folder runbook store, and reads timeToHaltSeconds from the stored report. This measures
 * drillbook's own share (parse, match, list, plan, stop, ledger read); on AWS add EventBridge
 * delivery and a Lambda cold start on top.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canaryConfigSchema } from '../lib/core/canary/canaryConfig.js';
import { alarmStateChangeEvent } from '../lib/demo/canaryDemo.js';
import { runCanaryHalt } from '../lib/jobs/canary/canaryHalt.js';
import { FolderRunbookStore } from '../lib/local/folderRunbookStore.js';
import { LocalDeployments, localRegistrySchema } from '../lib/local/localDeployments.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, deployments: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const inFlight = Number(values.deployments);
const root = await mkdtemp(join(tmpdir(), 'drillbook-bench-canary-'));
const config = canaryConfigSchema.parse({
  groups: [
    { application: 'checkout', deploymentGroup: 'checkout-live', alarms: { prefixes: ['checkout-canary-'] } },
  ],
});
const runbook = new FolderRunbookStore(join(root, 'runbook'));
const halts: number[] = [];
const totals: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    const now = Date.now();
    const registry = new LocalDeployments(join(root, `registry-${run}.json`));
    await registry.write(
      localRegistrySchema.parse({
        deployments: [
          {
            deploymentId: `d-OLD${run}`,
            applicationName: 'checkout',
            deploymentGroupName: 'checkout-live',
            status: 'Succeeded',
            createTime: new Date(now - 3600_000).toISOString(),
            completeTime: new Date(now - 1800_000).toISOString(),
          },
          ...Array.from({ length: inFlight }, (_, i) => ({
            deploymentId: `d-RUN${run}X${i}`,
            applicationName: 'checkout',
            deploymentGroupName: 'checkout-live',
            status: 'InProgress',
            createTime: new Date(now - 600_000).toISOString(),
          })),
        ],
      }),
    );
    const event = alarmStateChangeEvent({
      alarmName: 'checkout-canary-error-rate',
      state: 'ALARM',
      at: new Date(),
    });
    const started = performance.now();
    const result = await runCanaryHalt(event, { config, deployments: registry, runbook });
    totals.push((performance.now() - started) / 1000);
    if (result.stopped.length !== inFlight)
      throw new Error(`run ${run}: stopped ${result.stopped.length}/${inFlight}`);
    halts.push(Number(result.report?.details?.['timeToHaltSeconds']));
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
console.log(`canary halt, local adapters: ${runs} runs, ${inFlight} in-flight deployment(s) each`);
console.log(
  `alarm -> last StopDeployment call: p50 ${ms(pct(halts, 50))}, p95 ${ms(pct(halts, 95))}, max ${ms(Math.max(...halts))}`,
);
console.log(`whole job incl. report + RUNBOOK.md: p50 ${ms(pct(totals, 50))}, p95 ${ms(pct(totals, 95))}`);
