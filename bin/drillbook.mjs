#!/usr/bin/env node
// The drillbook CLI. Runs the TypeScript sources directly through tsx (a runtime dependency),
// so that `npx drillbook` works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { bindLocalRuns } = await import('./localRuns.ts');
bindLocalRuns();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
