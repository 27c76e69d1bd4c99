import { describe, expect, it } from 'vitest';
import { emptySweep, type OrphanSweep } from '../../../lib/core/orphans.js';
import { beginDrill } from '../../../lib/jobs/restoreDrill/beginDrill.js';
import type { BackupRecord, BackupRepository } from '../../../lib/ports.js';

/**
 * The orphan sweep at the start of a drill, with the ports the step takes: a leftover that could
 * not be removed fails the orphaned-staging check but neither stops the drill nor is mistaken for
 * a failed backup check; an error a state machine retries is thrown for its Retry.
 */
const backup: BackupRecord = {
  id: 'b1',
  system: 'shop',
  takenAt: '2026-12-01T02:00:00.000Z',
  finishedAt: '2026-12-01T02:01:00.000Z',
  location: '/backups/shop/base/b1',
  sizeBytes: 1,
  manifest: {
    system: 'shop',
    backupId: 'b1',
    capturedAt: '2026-12-01T02:01:00.000Z',
    postgresVersion: '15.8',
    migrationHead: null,
    tables: [],
  },
};

const unused = async (): Promise<never> => {
  throw new Error('not used by beginDrill');
};
const backups: BackupRepository = {
  take: unused,
  attachManifest: unused,
  remove: unused,
  list: async () => [backup],
  get: async () => backup,
  verify: async () => [{ name: 'backup-integrity', outcome: 'passed', detail: 'ok' }],
  newestRestorablePoint: async () => null,
};

const options = {
  system: 'shop',
  environment: 'production',
  mask: false,
  rpoTargetSeconds: 900,
  rtoTargetSeconds: 14_400,
};

const deps = (sweepOrphans: () => Promise<OrphanSweep>, rethrow?: (e: unknown) => boolean) => ({
  backups,
  target: { sweepOrphans },
  progress: { step: () => {} },
  signal: new AbortController().signal,
  ...(rethrow ? { rethrow } : {}),
});

const checkOf = (state: Awaited<ReturnType<typeof beginDrill>>) =>
  state.run.checks.find((c) => c.name === 'orphaned-staging');

describe('beginDrill and the orphan sweep', () => {
  it('reports "none found" and goes on to the backup', async () => {
    const state = await beginDrill(
      deps(async () => emptySweep('/staging', false)),
      options,
    );
    expect(checkOf(state)).toEqual({
      name: 'orphaned-staging',
      outcome: 'passed',
      detail: 'none found in /staging',
    });
    expect(state.run.failure).toBeNull();
    expect(state.backupId).toBe('b1');
  });

  it('fails the check for an orphan it could not remove, and still starts the drill', async () => {
    const sweep = { ...emptySweep('/staging', false), failed: [{ id: 'x', why: 'gone', detail: 'EACCES' }] };
    const state = await beginDrill(
      deps(async () => sweep),
      options,
    );
    expect(checkOf(state)?.outcome).toBe('failed');
    expect(state.run.failure).toBeNull();
    expect(state.backupId).toBe('b1');
    expect(state.run.phases.map((p) => [p.name, p.outcome])).toEqual([['check-backup', 'passed']]);
  });

  it('records a sweep that could not run as a failed check; rethrows what the state machine retries', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    const state = await beginDrill(
      deps(async () => {
        throw new Error('EACCES: permission denied, scandir /staging');
      }),
      options,
    );
    expect(checkOf(state)).toMatchObject({
      outcome: 'failed',
      detail: 'could not look for leftover staging: EACCES: permission denied, scandir /staging',
    });
    expect(state.backupId).toBe('b1');
    await expect(
      beginDrill(
        deps(
          async () => {
            throw throttled;
          },
          (e) => e === throttled,
        ),
        options,
      ),
    ).rejects.toBe(throttled);
  });
});
