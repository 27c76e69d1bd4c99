import '../lib/polyfills.js';
import { bindLocalRuns } from '../bin/localRuns.js';

// As the CLI entry does: local runs of the workflows get the handlers and the runbook folder.
bindLocalRuns();
