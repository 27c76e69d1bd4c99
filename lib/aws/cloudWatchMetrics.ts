import {
  CloudWatchClient,
  type MetricDatum as CwDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import type { Report } from '../core/report.js';
import { type MetricDatum, reportMetrics } from '../core/reportMetrics.js';
import type { Metrics } from '../ports.js';
import { createClient } from './clients.js';

export const DEFAULT_NAMESPACE = 'Drillbook';

/**
 * Metrics through CloudWatch PutMetricData (not EMF): drillbook jobs also run outside Lambda
 * (`--target aws` from a workstation or CI), where EMF lines on stdout would go nowhere, and a
 * PutMetricData call fails visibly instead of silently. One call per report is negligible cost.
 * IAM: cloudwatch:PutMetricData, conditioned on cloudwatch:namespace.
 */
export class CloudWatchMetrics implements Metrics {
  private readonly client: CloudWatchClient;

  constructor(
    private readonly options: {
      namespace?: string;
      region?: string;
      client?: CloudWatchClient;
      batchSize?: number;
    } = {},
  ) {
    this.client =
      options.client ?? createClient(CloudWatchClient, { region: options.region, purpose: 'adapters' });
  }

  async publishReport(report: Report): Promise<void> {
    const data = reportMetrics(report).map(toCloudWatch);
    // 20 per call by default: well under today's limit (1000), accepted by every compatible endpoint.
    const size = Math.max(1, this.options.batchSize ?? 20);
    for (let i = 0; i < data.length; i += size) {
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: this.options.namespace ?? DEFAULT_NAMESPACE,
          MetricData: data.slice(i, i + size),
        }),
      );
    }
  }
}

function toCloudWatch(d: MetricDatum): CwDatum {
  return {
    MetricName: d.name,
    Value: d.value,
    Unit: d.unit,
    Timestamp: d.timestamp,
    Dimensions: [
      { Name: 'System', Value: d.dimensions.System },
      { Name: 'Kind', Value: d.dimensions.Kind },
    ],
  };
}
