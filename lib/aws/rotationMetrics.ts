import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Report } from '../core/report.js';
import { ROTATION_NAMESPACE, rotationMetricData } from '../core/rotation/metrics.js';
import type { Metrics } from '../ports.js';
import { createClient } from './clients.js';

/**
 * Rotation and audit metrics through CloudWatch PutMetricData (namespace Drillbook/Rotation).
 * IAM: cloudwatch:PutMetricData with a cloudwatch:namespace condition.
 */
export class CloudWatchRotationMetrics implements Metrics {
  private readonly client: CloudWatchClient;
  private readonly namespace: string;

  constructor(options: { region?: string; client?: CloudWatchClient; namespace?: string } = {}) {
    this.client =
      options.client ?? createClient(CloudWatchClient, { region: options.region, purpose: 'adapters' });
    this.namespace = options.namespace ?? ROTATION_NAMESPACE;
  }

  async publishReport(report: Report): Promise<void> {
    const data = rotationMetricData(report);
    for (let i = 0; i < data.length; i += 20) {
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: this.namespace,
          MetricData: data.slice(i, i + 20).map((d) => ({
            MetricName: d.name,
            Value: d.value,
            Unit: d.unit,
            Timestamp: d.timestamp,
            Dimensions: Object.entries(d.dimensions).map(([Name, Value]) => ({ Name, Value })),
          })),
        }),
      );
    }
  }
}

/** Publishes to every sink; all are tried, the first failure is rethrown (publishReport only warns). */
export function combineMetrics(...sinks: Metrics[]): Metrics {
  return {
    async publishReport(report: Report): Promise<void> {
      const results = await Promise.allSettled(sinks.map((m) => m.publishReport(report)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
