import { ConfigError } from '../core/errors.js';
import type { Manifest } from '../core/manifest.js';
import type { RunbookStore } from '../ports.js';

/** Where a snapshot's verification manifest is kept (a tag cannot hold it). */
export interface ManifestStore {
  put(system: string, backupId: string, manifest: Manifest): Promise<void>;
  get(system: string, backupId: string): Promise<Manifest | null>;
  /** Where the manifest is kept, for messages (no I/O). */
  location?(system: string, backupId: string): string;
}

/** Manifests as JSON files beside the reports: `manifests/<system>/<backupId>.json` in the runbook store. */
export class RunbookManifestStore implements ManifestStore {
  constructor(private readonly runbook: RunbookStore) {}

  static key(system: string, backupId: string): string {
    return `manifests/${system}/${backupId}.json`;
  }

  location(system: string, backupId: string): string {
    return `runbook store ${RunbookManifestStore.key(system, backupId)}`;
  }

  async put(system: string, backupId: string, manifest: Manifest): Promise<void> {
    if (!this.runbook.putFile) throw new ConfigError('runbook', 'the runbook store cannot keep extra files');
    await this.runbook.putFile(
      RunbookManifestStore.key(system, backupId),
      `${JSON.stringify(manifest, null, 2)}\n`,
      'application/json',
    );
  }

  async get(system: string, backupId: string): Promise<Manifest | null> {
    if (!this.runbook.getFile) throw new ConfigError('runbook', 'the runbook store cannot read extra files');
    const text = await this.runbook.getFile(RunbookManifestStore.key(system, backupId));
    return text ? (JSON.parse(text) as Manifest) : null;
  }
}
