import { resolve } from 'node:path';
import { type DrillbookConfig, loadConfig } from '../drillbookConfig.js';
import { FolderRunbookStore } from '../local/folderRunbookStore.js';
import type { RunbookStore } from '../ports.js';

/** The config file named by --config, or $DRILLBOOK_CONFIG, or none. */
export function optionalConfig(path: string | undefined): DrillbookConfig | null {
  const file = path ?? process.env['DRILLBOOK_CONFIG'];
  return file ? loadConfig(file) : null;
}

/** The runbook store: --runbook DIR, else the config's runbook.dir, else ./runbook. */
export function runbookStore(runbookFlag: string | undefined, config: DrillbookConfig | null): RunbookStore {
  return new FolderRunbookStore(resolve(runbookFlag ?? config?.runbook.dir ?? 'runbook'));
}
