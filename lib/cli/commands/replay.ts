import { InputError } from '../../core/errors.js';
import { renderMarkdown } from '../../core/markdown.js';
import { type BaseChoice, baseChoices, checkRequestedWindow } from '../../core/replay/base.js';
import { isDigest } from '../../core/replay/digest.js';
import { findSystem } from '../../drillbookConfig.js';
import { parallelFoldEngine } from '../../jobs/replay/foldEngine.js';
import { runReplayRehearsal } from '../../jobs/replay/replayRehearsal.js';
import { NatsWindowReader } from '../../nats/windowReader.js';
import { PgLiveProjection } from '../../pg/liveProjection.js';
import { PgOutbox } from '../../pg/outbox.js';
import { findProjection } from '../../projections/index.js';
import { intFlag, parseFlags, requireFlag } from '../args.js';
import { type Command, exitCodeFor } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { optionalConfig } from '../runbookFlag.js';

const flags = {
  'nats-url': { type: 'string' },
  stream: { type: 'string' },
  'from-seq': { type: 'string' },
  'to-seq': { type: 'string' },
  projection: { type: 'string' },
  'expect-digest': { type: 'string' },
  runbook: { type: 'string' },
  'pg-url': { type: 'string' },
  'projection-table': { type: 'string' },
  'checkpoint-table': { type: 'string' },
  'outbox-table': { type: 'string' },
  'outbox-id-column': { type: 'string' },
  'outbox-order-column': { type: 'string' },
  'outbox-bound': { type: 'string' },
  'max-resumes': { type: 'string' },
  'connect-timeout': { type: 'string' },
  environment: { type: 'string' },
  'fold-worker': { type: 'boolean', default: false },
  base: { type: 'string' },
  'base-pg-url': { type: 'string' },
  'base-table': { type: 'string' },
  'base-checkpoint-table': { type: 'string' },
} as const;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay rehearsal: rebuild a projection from a JetStream window and check it is exact',
  help: `usage: drillbook replay --nats-url URL --stream NAME --projection NAME [options]

Reads a pinned window of a JetStream stream read-only (ordered ephemeral consumers, no acks),
checks it for sequence gaps, duplicate Nats-Msg-Id and events failing their schema, folds it
twice through the projection and digests the result (SHA-256 of the canonical state). Checks:
both passes agree; the digest equals --expect-digest or the golden digest of the last passing
rehearsal reaching the same sequence in the runbook; it equals the digest of the live projection
table at its checkpoint; the outbox and the stream agree. Writes a report to the runbook.

A window starting after sequence 1 starts from the projection's state at from-1: a snapshot an
earlier passing rehearsal stored in the runbook (every passing run stores one at its last
sequence), or a projection table at its checkpoint. Without --from-seq the window follows the
stream: from the newest stored snapshot before its end, else from 1; when the stream no longer
holds the events after that state (retention), the run fails its retention check.

  --nats-url URL            NATS server (default $DRILLBOOK_NATS_URL)
  --stream NAME             the stream to replay
  --from-seq N              first sequence (default: after the newest stored snapshot, else 1)
  --to-seq N                last sequence (default: the live projection's checkpoint with
                            --pg-url, else the stream's last sequence at start)
  --projection NAME         projection plugin: contacts
  --expect-digest HEX       expected SHA-256 (64 hex digits); else the runbook's golden digest
  --runbook DIR             runbook folder (default: the config's runbook.dir, else ./runbook)
  --pg-url URL              Postgres holding the live projection and the outbox
                            (default $DRILLBOOK_REPLAY_PG_URL); without it both checks are skipped
  --projection-table NAME   live projection table (default: the projection's, e.g.
                            public.contacts_projection)
  --checkpoint-table NAME   table (projection text, last_seq bigint) holding the live
                            projection's checkpoint (default public.projection_checkpoints)
  --outbox-table NAME       outbox table to reconcile (rows' ids are the messages' Nats-Msg-Id);
                            without it reconciliation is skipped
  --outbox-id-column COL    default id
  --outbox-order-column COL default created_at; rows are reconciled oldest first
  --outbox-bound N          how many outbox rows to reconcile (default 100000)
  --max-resumes N           resumes after a broken NATS connection (default 5)
  --connect-timeout SEC     how long to keep trying to (re)connect to NATS (default 30)
  --base KIND               where the state starts: auto (default), snapshot, table, or empty
                            (a window after 1 folded from nothing: only the log checks mean much)
  --base-pg-url URL         Postgres holding the base table (default --pg-url); implies --base table
  --base-table NAME         base projection table (default --projection-table)
  --base-checkpoint-table NAME  its checkpoint table (default --checkpoint-table)
  --fold-worker             validate and fold on a worker thread, overlapping with reading NATS
                            (worth it with a spare CPU core; default: on the main thread)
  --system NAME             system name in the report (default: the config's only system, else "local")
  --target aws              publish to the S3 runbook store, webhook chat and CloudWatch metrics
  --json                    print the report as JSON

Exit codes: 0 passed, 1 failed or inconclusive, 2 bad input (the flag is named).`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, flags);
    const natsUrl = requireFlag(values['nats-url'] ?? process.env['DRILLBOOK_NATS_URL'], 'nats-url');
    if (!/^(nats|tls|wss?):\/\//.test(natsUrl)) throw new InputError('--nats-url', 'must be a nats:// URL');
    const stream = requireFlag(values.stream, 'stream');
    if (!/^[A-Za-z0-9_-]+$/.test(stream))
      throw new InputError('--stream', `"${stream}" is not a stream name`);
    const projection = findProjection(requireFlag(values.projection, 'projection'));
    const fromSeq = intFlag(values['from-seq'], 'from-seq');
    const toSeq = intFlag(values['to-seq'], 'to-seq');
    // Window checks that need no server, before connecting to anything.
    checkRequestedWindow({ fromSeq, toSeq });
    const baseFlag = values.base;
    if (baseFlag !== undefined && !(baseChoices as readonly string[]).includes(baseFlag)) {
      throw new InputError('--base', `must be one of ${baseChoices.join(', ')}`);
    }
    const baseChoice = (baseFlag ?? (values['base-pg-url'] ? 'table' : undefined)) as BaseChoice | undefined;
    const expectDigest = values['expect-digest']?.toLowerCase();
    if (expectDigest !== undefined && !isDigest(expectDigest)) {
      throw new InputError('--expect-digest', 'must be 64 hex digits (a SHA-256)');
    }
    const outboxBound = intFlag(values['outbox-bound'], 'outbox-bound');
    const maxResumes = intFlag(values['max-resumes'], 'max-resumes');
    const connectTimeout = intFlag(values['connect-timeout'], 'connect-timeout');
    const pgUrl = values['pg-url'] ?? process.env['DRILLBOOK_REPLAY_PG_URL'];
    if (pgUrl !== undefined && !/^postgres(ql)?:\/\//.test(pgUrl)) {
      throw new InputError('--pg-url', 'must be a postgres:// connection URL');
    }
    if (values['outbox-table'] && !pgUrl) throw new InputError('--outbox-table', 'needs --pg-url');
    const baseUrl = values['base-pg-url'] ?? pgUrl;
    if (values['base-pg-url'] !== undefined && !/^postgres(ql)?:\/\//.test(values['base-pg-url'])) {
      throw new InputError('--base-pg-url', 'must be a postgres:// connection URL');
    }
    if (baseChoice !== undefined && baseChoice !== 'table' && baseChoice !== 'auto') {
      for (const flag of ['base-pg-url', 'base-table', 'base-checkpoint-table'] as const)
        if (values[flag] !== undefined)
          throw new InputError(`--${flag}`, `only applies to --base table or auto, not --base ${baseChoice}`);
    }
    if (baseChoice === 'table' && !baseUrl)
      throw new InputError('--base', 'table needs --pg-url or --base-pg-url');
    const config = optionalConfig(values.config);
    const system = config ? findSystem(config, values.system) : null;

    const live = pgUrl
      ? new PgLiveProjection(pgUrl, projection, {
          ...(values['projection-table'] ? { table: values['projection-table'] } : {}),
          ...(values['checkpoint-table'] ? { checkpointTable: values['checkpoint-table'] } : {}),
        })
      : undefined;
    const baseTable =
      baseChoice === 'table' && baseUrl
        ? new PgLiveProjection(baseUrl, projection, {
            role: 'the base table',
            urlField: values['base-pg-url'] !== undefined ? '--base-pg-url' : '--pg-url',
            ...((values['base-table'] ?? values['projection-table'])
              ? { table: (values['base-table'] ?? values['projection-table'])! }
              : {}),
            ...((values['base-checkpoint-table'] ?? values['checkpoint-table'])
              ? { checkpointTable: (values['base-checkpoint-table'] ?? values['checkpoint-table'])! }
              : {}),
          })
        : undefined;
    const outbox =
      pgUrl && values['outbox-table']
        ? new PgOutbox(pgUrl, {
            table: values['outbox-table'],
            ...(values['outbox-id-column'] ? { idColumn: values['outbox-id-column'] } : {}),
            ...(values['outbox-order-column'] ? { orderColumn: values['outbox-order-column'] } : {}),
          })
        : undefined;
    const reader = new NatsWindowReader(natsUrl, {
      ...(maxResumes !== undefined ? { maxResumes } : {}),
      ...(connectTimeout !== undefined ? { connectTimeoutMs: connectTimeout * 1000 } : {}),
      onResume: (seq, reason) => ctx.progress.step(`NATS read broke off (${reason}); resuming at ${seq}`),
    });
    const { report, location } = await runReplayRehearsal(
      {
        system: system?.name ?? values.system ?? 'local',
        environment: values.environment ?? system?.environment ?? 'local',
        stream,
        projection,
        ...(fromSeq !== undefined ? { fromSeq } : {}),
        ...(toSeq !== undefined ? { toSeq } : {}),
        ...(expectDigest ? { expectDigest } : {}),
        ...(outboxBound !== undefined ? { outboxBound } : {}),
        ...(baseChoice ? { base: baseChoice } : {}),
      },
      {
        reader,
        ...(live ? { live } : {}),
        ...(baseTable ? { base: baseTable } : {}),
        ...(outbox ? { outbox } : {}),
        publish: cliPublishers(ctx, config, {
          target: values.target,
          runbook: values.runbook,
          json: values.json,
        }),
        progress: ctx.progress,
        signal: ctx.signal,
        ...(values['fold-worker'] ? { foldEngine: parallelFoldEngine } : {}),
      },
    );
    ctx.out(values.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
    ctx.err(`report: ${location}`);
    return exitCodeFor(report.outcome);
  },
};
