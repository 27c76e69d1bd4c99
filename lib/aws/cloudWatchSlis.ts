import {
  type CloudWatchClient,
  GetMetricDataCommand,
  ListTagsForResourceCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { SliConfig } from '../core/canary/canaryConfig.js';
import type { Datapoint, SliSeries } from '../core/canary/judge.js';
import { DrillbookError } from '../core/errors.js';
import type { AlarmTags, SliSource } from '../ports.js';
import { defaultRetryPolicy, type RetryPolicy, withThrottleRetry } from './retry.js';

/** GetMetricData pages read at most for one window: a bound, not an expected size. */
const maxPages = 20;

export class MetricDataError extends DrillbookError {}

/** Per-version SLIs from CloudWatch GetMetricData: Sum of requests and errors, p95 of latency. */
export class CloudWatchSlis implements SliSource {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  async fetch(
    sli: SliConfig,
    version: string,
    window: { start: Date; end: Date },
    signal?: AbortSignal,
  ): Promise<SliSeries> {
    const retry = signal ? { ...this.retry, signal } : this.retry;
    const dimensions = [
      ...Object.entries(sli.dimensions).map(([Name, Value]) => ({ Name, Value })),
      { Name: sli.versionDimension, Value: version },
    ];
    const query = (Id: string, MetricName: string, Stat: string): MetricDataQuery => ({
      Id,
      MetricStat: {
        Metric: { Namespace: sli.namespace, MetricName, Dimensions: dimensions },
        Period: sli.periodSeconds,
        Stat,
      },
      ReturnData: true,
    });
    const queries = [
      query('requests', sli.requestsMetric, 'Sum'),
      query('errors', sli.errorsMetric, 'Sum'),
      query('p95', sli.latencyMetric, 'p95'),
    ];
    const series: Record<string, Datapoint[]> = { requests: [], errors: [], p95: [] };
    let nextToken: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const token = nextToken;
      const out = await withThrottleRetry(
        'cloudwatch:GetMetricData',
        () =>
          this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: window.start,
              EndTime: window.end,
              ScanBy: 'TimestampAscending',
              ...(token ? { NextToken: token } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          ),
        retry,
      );
      for (const result of out.MetricDataResults ?? []) {
        const target = result.Id ? series[result.Id] : undefined;
        if (!target) continue;
        if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
          throw new MetricDataError(`GetMetricData ${result.Id}: ${result.StatusCode}`);
        }
        const times = result.Timestamps ?? [];
        const values = result.Values ?? [];
        for (let i = 0; i < Math.min(times.length, values.length); i++) {
          target.push({ at: times[i]!.toISOString(), value: values[i]! });
        }
      }
      nextToken = out.NextToken;
      if (!nextToken) break;
    }
    if (nextToken) throw new MetricDataError(`GetMetricData still had more pages after ${maxPages}`);
    return { requests: series['requests']!, errors: series['errors']!, p95Ms: series['p95']! };
  }
}

/** Alarm tags from cloudwatch:ListTagsForResource. */
export class CloudWatchAlarmTags implements AlarmTags {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  async tagsOf(alarmArn: string): Promise<Record<string, string>> {
    const out = await withThrottleRetry(
      'cloudwatch:ListTagsForResource',
      () => this.client.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn })),
      this.retry,
    );
    const tags: Record<string, string> = {};
    for (const t of out.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
    return tags;
  }
}
