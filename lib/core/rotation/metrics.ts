import type { Report } from '../report.js';

export interface RotationMetricDatum {
  name: string;
  value: number;
  unit: 'Count' | 'None';
  dimensions: Record<string, string>;
  timestamp: Date;
}

export const ROTATION_NAMESPACE = 'Drillbook/Rotation';

/**
 * Metrics for alarms: per audit the counts of flagged secrets (alarm on SecretsFlagged > 0) and
 * each secret's days until its next rotation (alarm before expiry); per rotation a success flag.
 */
export function rotationMetricData(report: Report): RotationMetricDatum[] {
  const timestamp = new Date(report.finishedAt);
  const system = { System: report.system };
  if (report.kind === 'rotation-audit') {
    const summary = (report.details?.['summary'] ?? {}) as Record<string, unknown>;
    const count = (key: string) => (typeof summary[key] === 'number' ? (summary[key] as number) : 0);
    const data: RotationMetricDatum[] = [
      ['SecretsAudited', 'audited'],
      ['SecretsFlagged', 'flagged'],
      ['RotationDisabled', 'rotationDisabled'],
      ['RotationOverdue', 'overdue'],
      ['RotationDueSoon', 'dueSoon'],
      ['RotationStuck', 'stuck'],
      ['SecretsMissing', 'missing'],
    ].map(([name, key]) => ({
      name: name!,
      value: count(key!),
      unit: 'Count' as const,
      dimensions: system,
      timestamp,
    }));
    const secrets = (report.details?.['secrets'] ?? []) as { name?: unknown; daysUntilRotation?: unknown }[];
    for (const s of secrets) {
      if (typeof s.name !== 'string' || typeof s.daysUntilRotation !== 'number') continue;
      data.push({
        name: 'DaysUntilRotation',
        value: s.daysUntilRotation,
        unit: 'None',
        dimensions: { ...system, SecretName: s.name },
        timestamp,
      });
    }
    return data;
  }
  if (report.kind === 'secret-rotation') {
    const secret = report.details?.['secretId'];
    return [
      {
        name: 'RotationFailed',
        value: report.outcome === 'passed' ? 0 : 1,
        unit: 'Count',
        dimensions: { ...system, ...(typeof secret === 'string' ? { SecretName: secret } : {}) },
        timestamp,
      },
    ];
  }
  return [];
}
