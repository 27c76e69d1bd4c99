import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '../../lib/aws/cloudWatchMetrics.js';
import { reportMetrics } from '../../lib/core/reportMetrics.js';
import { failedRestoreDrill, otherReport } from '../helpers/sampleReports.js';

const cw = mockClient(CloudWatchClient);
const ok = { $metadata: { httpStatusCode: 200, requestId: 'R1', attempts: 1, totalRetryDelay: 0 } };

describe('CloudWatchMetrics', () => {
  beforeEach(() => cw.reset());

  it('puts every metric of a report in the namespace, with System and Kind dimensions and units', async () => {
    cw.on(PutMetricDataCommand).resolves(ok);
    const report = failedRestoreDrill();
    await new CloudWatchMetrics({
      namespace: 'Acme/Drillbook',
      client: new CloudWatchClient({ region: 'eu-west-1' }),
    }).publishReport(report);
    const calls = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
    expect(calls.every((c) => c.Namespace === 'Acme/Drillbook')).toBe(true);
    const data = calls.flatMap((c) => c.MetricData ?? []);
    expect(data).toHaveLength(reportMetrics(report).length);
    expect(data.find((d) => d.MetricName === 'RpoBreached')).toEqual({
      MetricName: 'RpoBreached',
      Value: 1,
      Unit: 'Count',
      Timestamp: new Date(report.finishedAt),
      Dimensions: [
        { Name: 'System', Value: 'orders' },
        { Name: 'Kind', Value: 'restore-drill' },
      ],
    });
    expect(data.find((d) => d.MetricName === 'RpoSeconds')?.Value).toBe(1200);
  });

  it('splits the data points into batches of the configured size', async () => {
    cw.on(PutMetricDataCommand).resolves(ok);
    const report = { ...failedRestoreDrill(), replay: otherReport('replay-rehearsal').replay! };
    expect(reportMetrics(report)).toHaveLength(18);
    await new CloudWatchMetrics({
      batchSize: 7,
      client: new CloudWatchClient({ region: 'eu-west-1' }),
    }).publishReport(report);
    const calls = cw.commandCalls(PutMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.MetricData?.length)).toEqual([7, 7, 4]);
    expect(calls[0]?.args[0].input.Namespace).toBe('Drillbook');
  });

  it('lets a PutMetricData failure propagate (publishReport turns it into a warning)', async () => {
    cw.on(PutMetricDataCommand).rejects(
      new Error('User is not authorized to perform: cloudwatch:PutMetricData'),
    );
    await expect(
      new CloudWatchMetrics({ client: new CloudWatchClient({ region: 'eu-west-1' }) }).publishReport(
        otherReport('backup'),
      ),
    ).rejects.toThrow(/not authorized/);
  });
});
