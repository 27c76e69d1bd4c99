import { describe, expect, it } from 'vitest';
import {
  DRILL_ALLOWANCE_MS,
  emptySweep,
  type HostFacts,
  judgeLocalStaging,
  judgeRdsStaging,
  longestDrillMs,
  orphanCheck,
  parseStagingMarker,
  type RdsStagingResource,
  type RdsSweepContext,
  type StagingMarker,
  sweepLines,
} from '../../lib/core/orphans.js';

const hour = 3600_000;
const now = new Date('2026-12-01T12:00:00Z');
const limit = longestDrillMs({ provisionMs: 6 * hour, recoveryWaitsMs: 2 * hour });
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

const facts = (processes: [number, string | null][] = []): HostFacts => ({
  host: 'box',
  bootId: 'boot-b',
  processes: new Map(processes),
  now,
});
const marker = (owner: Partial<NonNullable<StagingMarker['owner']>> | null, createdAt = ago(hour)) => ({
  createdBy: 'drillbook' as const,
  createdAt,
  ...(owner ? { owner: { pid: 4242, startTicks: '9001', bootId: 'boot-b', host: 'box', ...owner } } : {}),
});

describe('longestDrillMs', () => {
  it('adds the provisioning limit, every recovery wait and the allowance', () => {
    expect(limit).toBe(8 * hour + DRILL_ALLOWANCE_MS);
  });
});

describe('parseStagingMarker', () => {
  it('reads a marker with its owner, and one from an older drillbook without', () => {
    const text = JSON.stringify(marker({}));
    expect(parseStagingMarker(text)?.owner).toEqual({
      pid: 4242,
      startTicks: '9001',
      bootId: 'boot-b',
      host: 'box',
    });
    const legacy = parseStagingMarker(
      '{"createdBy":"drillbook","backupId":"b1","createdAt":"2026-11-01T00:00:00Z"}',
    );
    expect(legacy).toEqual({ createdBy: 'drillbook', backupId: 'b1', createdAt: '2026-11-01T00:00:00Z' });
  });

  it('refuses what drillbook did not write, and damaged text', () => {
    expect(parseStagingMarker('{"createdBy":"someone-else"}')).toBeNull();
    expect(parseStagingMarker('{"createdBy":"drill')).toBeNull();
    expect(parseStagingMarker('null')).toBeNull();
  });
});

describe('judgeLocalStaging', () => {
  it('leaves staging alone while its drill still runs (same pid, same start time)', () => {
    const verdict = judgeLocalStaging(marker({}), facts([[4242, '9001']]), limit);
    expect(verdict).toEqual({ orphan: false, why: 'its drill (pid 4242) is still running' });
  });

  it('is an orphan when the owning process is gone', () => {
    expect(judgeLocalStaging(marker({}), facts([[1, '5']]), limit)).toMatchObject({
      orphan: true,
      why: expect.stringMatching(/pid 4242\) is gone$/),
    });
  });

  it('is an orphan when the pid was reused by a process started later', () => {
    const verdict = judgeLocalStaging(marker({}), facts([[4242, '123456']]), limit);
    expect(verdict).toMatchObject({ orphan: true, why: expect.stringMatching(/another process/) });
  });

  it('is an orphan when the marker is from an earlier boot, even if the pid runs again', () => {
    const verdict = judgeLocalStaging(marker({ bootId: 'boot-a' }), facts([[4242, '9001']]), limit);
    expect(verdict).toMatchObject({ orphan: true, why: expect.stringMatching(/last booted/) });
  });

  it('trusts the pid alone where start time and boot id are unknown (no /proc)', () => {
    const owner = { startTicks: null, bootId: null };
    expect(judgeLocalStaging(marker(owner), facts([[4242, null]]), limit).orphan).toBe(false);
    expect(judgeLocalStaging(marker(owner), facts(), limit).orphan).toBe(true);
  });

  it('judges a marker without an owner, or from another host, by its age against the longest drill', () => {
    expect(judgeLocalStaging(marker(null, ago(limit - hour)), facts(), limit)).toMatchObject({
      orphan: false,
      why: expect.stringMatching(/^marker without an owner .*may still be running/),
    });
    expect(judgeLocalStaging(marker(null, ago(limit + hour)), facts(), limit)).toMatchObject({
      orphan: true,
      why: expect.stringMatching(/older than the longest drill \(10 h\)/),
    });
    const elsewhere = marker({ host: 'other' }, ago(hour));
    expect(judgeLocalStaging(elsewhere, facts(), limit)).toMatchObject({
      orphan: false,
      why: expect.stringMatching(/host other/),
    });
    expect(judgeLocalStaging({ ...elsewhere, createdAt: ago(limit + 1) }, facts(), limit).orphan).toBe(true);
    expect(judgeLocalStaging({ createdBy: 'drillbook' }, facts(), limit).orphan).toBe(false);
  });
});

describe('judgeRdsStaging', () => {
  const ctx: RdsSweepContext = {
    system: 'shop',
    tagKeys: {
      drill: 'drillbook:drill',
      environment: 'drillbook:environment',
      system: 'drillbook:system',
      stage: 'drillbook:stage',
    },
    idPrefix: 'drillbook-drill-',
    protectedIds: ['shop-db', 'drillbook-drill-shop-own'],
    now,
    limitMs: 6 * hour,
  };
  const tags = { 'drillbook:drill': 'true', 'drillbook:environment': 'staging', 'drillbook:system': 'shop' };
  const resource = (over: Partial<RdsStagingResource> = {}): RdsStagingResource => ({
    id: 'drillbook-drill-shop-0a1b2c3d4e',
    kind: 'instance',
    tags,
    status: 'available',
    createdAt: new Date(now.getTime() - 7 * hour),
    ...over,
  });

  it("keeps to its own stage: another stage's drill staging is not mentioned", () => {
    const staged = resource({ tags: { ...tags, 'drillbook:stage': 'prod' } });
    expect(judgeRdsStaging(staged, ctx)).toBeNull();
    expect(judgeRdsStaging(staged, { ...ctx, stage: 'prod' })).toMatchObject({ orphan: true });
    expect(judgeRdsStaging(resource(), { ...ctx, stage: 'prod' })).toBeNull();
  });

  it('is an orphan when drill-tagged for this system and older than the longest drill', () => {
    expect(judgeRdsStaging(resource(), ctx)).toMatchObject({
      orphan: true,
      why: expect.stringMatching(/6 h/),
    });
  });

  it('does not mention production or other systems at all', () => {
    expect(judgeRdsStaging(resource({ id: 'shop-db', tags: {} }), ctx)).toBeNull();
    expect(judgeRdsStaging(resource({ tags: { ...tags, 'drillbook:system': 'billing' } }), ctx)).toBeNull();
  });

  it('leaves young, still creating, deleting, own and not-staging resources alone, saying why', () => {
    const why = (r: RdsStagingResource) => {
      const verdict = judgeRdsStaging(r, ctx);
      expect(verdict?.orphan).toBe(false);
      return verdict?.why;
    };
    expect(why(resource({ createdAt: new Date(now.getTime() - hour) }))).toMatch(
      /may belong to a running drill/,
    );
    expect(why(resource({ createdAt: null, status: 'creating' }))).toMatch(/still being created/);
    expect(why(resource({ status: 'deleting' }))).toMatch(/already being deleted/);
    expect(why(resource({ id: 'drillbook-drill-shop-own' }))).toMatch(/own staging/);
    expect(why(resource({ tags: { ...tags, 'drillbook:environment': 'production' } }))).toMatch(
      /guard refuses/,
    );
    expect(why(resource({ id: 'restored-by-hand' }))).toMatch(/outside drillbook-drill-/);
  });
});

describe('orphanCheck and sweepLines', () => {
  it('passes with "none found" when there was nothing', () => {
    const sweep = emptySweep('/var/staging', false);
    expect(orphanCheck(sweep)).toEqual({
      name: 'orphaned-staging',
      outcome: 'passed',
      detail: 'none found in /var/staging',
    });
    expect(sweepLines(sweep)).toEqual(['no drill staging found in /var/staging']);
  });

  it('passes naming what was removed and left, and fails only when an orphan could not be removed', () => {
    const sweep = {
      ...emptySweep('/var/staging', false),
      removed: [{ id: 'a', why: 'its drill (pid 1) is gone', detail: 'folder removed' }],
      left: [{ id: 'b', why: 'its drill (pid 2) is still running' }],
    };
    expect(orphanCheck(sweep)).toMatchObject({
      outcome: 'passed',
      detail:
        'removed 1: a (its drill (pid 1) is gone; folder removed). left 1: b (its drill (pid 2) is still running)',
    });
    const failed = { ...sweep, failed: [{ id: 'c', why: 'gone', detail: 'permission denied' }] };
    expect(orphanCheck(failed)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/^could not remove 1: c/),
    });
    expect(sweepLines({ ...failed, dryRun: true })).toEqual([
      'would remove a: its drill (pid 1) is gone (folder removed)',
      'FAILED       c: gone: permission denied',
      'left         b: its drill (pid 2) is still running',
      '/var/staging: 1 to remove (dry run), 1 failed, 1 left alone',
    ]);
  });
});
