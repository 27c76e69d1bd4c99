import { DrillbookError } from '../core/errors.js';
import type { ManifestStore } from './manifestStore.js';

/**
 * For steps that only look at RDS (the wait loops, teardown): they never read or write a
 * manifest, and keeping the runbook store out of them keeps their bundles small. A call here is a
 * wiring mistake and says so.
 */
export const noManifests: ManifestStore = {
  put: async () => {
    throw new DrillbookError('this step has no manifest store (wiring error)');
  },
  get: async () => {
    throw new DrillbookError('this step has no manifest store (wiring error)');
  },
};
