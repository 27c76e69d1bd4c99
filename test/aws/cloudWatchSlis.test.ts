import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  type MetricDataResult,
  type StatusCode,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CloudWatchSlis, MetricDataError } from '../../lib/aws/cloudWatchSlis.js';
import type { RetryPolicy } from '../../lib/aws/retry.js';
import { sliSchema } from '../../lib/core/canary/canaryConfig.js';

const noWait: RetryPolicy = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };
const sli = sliSchema.parse({ dimensions: { FunctionName: 'checkout', Resource: 'checkout:live' } });
const start = new Date('2026-11-23T06:30:00.000Z');
const window = { start, end: new Date(start.getTime() + 30 * 60_000) };

/**
 * GetMetricData as CloudWatch documents it: at most `perPage` datapoints of each query per
 * response; a response that leaves datapoints out has StatusCode "PartialData" on those results
 * and a NextToken (the last page: "Complete", no token). A metric the caller may not read answers
 * "Forbidden", one CloudWatch failed on "InternalError", each with no datapoints and a message.
 * `value(id, minute)` is the metric's value in each minute of the window.
 */
function cloudWatch(
  value: (id: string, minute: number) => number,
  options: { perPage?: number; status?: Partial<Record<string, StatusCode>> } = {},
) {
  const perPage = options.perPage ?? 10;
  const client = new CloudWatchClient({ region: 'eu-west-1', maxAttempts: 1 });
  const mock = mockClient(client);
  mock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const minutes = Math.round((input.EndTime!.getTime() - input.StartTime!.getTime()) / 60_000);
    const offset = input.NextToken ? Number(input.NextToken.replace('token-', '')) : 0;
    const more = offset + perPage < minutes;
    const results = (input.MetricDataQueries as MetricDataQuery[]).map((q): MetricDataResult => {
      const id = q.Id!;
      const status = options.status?.[id];
      if (status === 'Forbidden' || status === 'InternalError') {
        return {
          Id: id,
          Label: q.MetricStat?.Metric?.MetricName,
          Timestamps: [],
          Values: [],
          StatusCode: status,
          Messages: [{ Code: status, Value: `${status} for ${q.MetricStat?.Metric?.MetricName}` }],
        };
      }
      const shown = Array.from({ length: Math.min(perPage, minutes - offset) }, (_, i) => offset + i);
      return {
        Id: id,
        Label: q.MetricStat?.Metric?.MetricName,
        Timestamps: shown.map((m) => new Date(input.StartTime!.getTime() + m * 60_000)),
        Values: shown.map((m) => value(id, m)),
        StatusCode: more ? 'PartialData' : 'Complete',
      };
    });
    return {
      MetricDataResults: results,
      Messages: [],
      ...(more ? { NextToken: `token-${offset + perPage}` } : {}),
      $metadata: { httpStatusCode: 200 },
    };
  });
  return { client, mock };
}

describe('CloudWatchSlis over GetMetricData', () => {
  it('reads every PartialData page until the Complete one, in time order', async () => {
    const cw = cloudWatch((id, minute) => (id === 'requests' ? 100 + minute : id === 'errors' ? 1 : 250), {
      perPage: 7,
    });

    const series = await new CloudWatchSlis(cw.client, noWait).fetch(sli, '7', window);

    const calls = cw.mock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken);
    expect(calls).toEqual([undefined, 'token-7', 'token-14', 'token-21', 'token-28']);
    expect(series.requests.map((d) => d.value)).toEqual(Array.from({ length: 30 }, (_, m) => 100 + m));
    expect(series.requests[0]!.at).toBe('2026-11-23T06:30:00.000Z');
    expect(series.requests.at(-1)!.at).toBe('2026-11-23T06:59:00.000Z');
    expect(series.errors).toHaveLength(30);
    expect(series.p95Ms).toHaveLength(30);
    // Each query names the version through its dimension.
    const dims =
      cw.mock.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Metric!
        .Dimensions;
    expect(dims).toContainEqual({ Name: 'ExecutedVersion', Value: '7' });
  });

  for (const status of ['Forbidden', 'InternalError'] as const) {
    it(`fails with MetricDataError when a query answers ${status}, rather than judging on no data`, async () => {
      const cw = cloudWatch(() => 1, { status: { errors: status } });

      const fetched = new CloudWatchSlis(cw.client, noWait).fetch(sli, '7', window);

      await expect(fetched).rejects.toBeInstanceOf(MetricDataError);
      await expect(fetched).rejects.toThrow(`GetMetricData errors: ${status}`);
    });
  }

  it('gives up with MetricDataError on a NextToken that never ends, after a bounded number of pages', async () => {
    const cw = cloudWatch(() => 1, { perPage: 1 });
    const day = { start, end: new Date(start.getTime() + 24 * 3600_000) };

    await expect(new CloudWatchSlis(cw.client, noWait).fetch(sli, '7', day)).rejects.toThrow(
      /still had more pages after 20/,
    );
    expect(cw.mock.commandCalls(GetMetricDataCommand)).toHaveLength(20);
  });
});
