import { describe, expect, it } from 'vitest';
import {
  auditCheck,
  classifySecret,
  type SecretAuditFacts,
  summarizeAudit,
} from '../../../lib/core/rotation/audit.js';

const now = new Date('2026-11-23T06:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const policy = { warningDays: 7, graceHours: 24 };
const base: SecretAuditFacts = {
  id: 'arn:x',
  name: 'app-db',
  rotationEnabled: true,
  rotationIntervalDays: 30,
  lastRotatedDate: daysAgo(5),
  nextRotationDate: null,
  createdDate: daysAgo(100),
  versions: { a: ['AWSCURRENT'], b: ['AWSPREVIOUS'] },
};

describe('rotation audit classification', () => {
  it('passes a secret rotated on schedule', () => {
    const r = classifySecret(base, now, policy);
    expect(r.flags).toEqual([]);
    expect(r.daysUntilRotation).toBe(25);
    expect(auditCheck(r).outcome).toBe('passed');
  });

  it('flags overdue past schedule plus grace, using the creation date when it never rotated', () => {
    expect(classifySecret({ ...base, lastRotatedDate: daysAgo(31.5) }, now, policy).flags).toEqual([
      'overdue',
    ]);
    expect(classifySecret({ ...base, lastRotatedDate: daysAgo(30.5) }, now, policy).flags).toEqual([
      'due-soon',
    ]);
    expect(classifySecret({ ...base, lastRotatedDate: null }, now, policy).flags).toEqual(['overdue']);
  });

  it('flags due soon from NextRotationDate within the warning window (inconclusive, not failed)', () => {
    const r = classifySecret(
      { ...base, nextRotationDate: new Date(now.getTime() + 3 * 86_400_000) },
      now,
      policy,
    );
    expect(r.flags).toEqual(['due-soon']);
    expect(auditCheck(r).outcome).toBe('inconclusive');
  });

  it('flags disabled rotation and a stuck AWSPENDING, and counts them', () => {
    const disabled = classifySecret({ ...base, name: 'd', rotationEnabled: false }, now, policy);
    const stuck = classifySecret(
      { ...base, name: 's', versions: { a: ['AWSCURRENT'], p: ['AWSPENDING'] } },
      now,
      policy,
    );
    expect(disabled.flags).toEqual(['rotation-disabled']);
    expect(stuck.flags).toEqual(['stuck']);
    expect(auditCheck(stuck).outcome).toBe('failed');
    expect(summarizeAudit([disabled, stuck, classifySecret(base, now, policy)])).toEqual({
      audited: 3,
      flagged: 2,
      rotationDisabled: 1,
      overdue: 0,
      dueSoon: 0,
      stuck: 1,
    });
  });

  it('calls AWSPENDING stuck only once it is as old as the threshold (default 24 h), else a rotation running now', () => {
    const versions = { a: ['AWSCURRENT'], p: ['AWSPENDING'] };
    const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000);
    const running = classifySecret({ ...base, versions, pendingSince: at(2) }, now, policy);
    expect(running.flags).toEqual([]);
    expect(running.detail).toContain(
      `a rotation is running: AWSPENDING on version p since ${at(2).toISOString()}`,
    );
    expect(classifySecret({ ...base, versions, pendingSince: at(24) }, now, policy).flags).toEqual(['stuck']);
    expect(
      classifySecret({ ...base, versions, pendingSince: at(2) }, now, { ...policy, stuckAfterHours: 1 })
        .flags,
    ).toEqual(['stuck']);
    // Unknown age: taken as stuck, as it may be.
    expect(classifySecret({ ...base, versions, pendingSince: null }, now, policy).flags).toEqual(['stuck']);
  });
});
