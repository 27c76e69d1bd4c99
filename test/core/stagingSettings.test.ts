import { describe, expect, it } from 'vitest';
import { explainStop, failureSummary } from '../../lib/core/serverLog.js';
import {
  describeRaised,
  insufficientSettings,
  parseControlData,
  recoverySettings,
} from '../../lib/core/stagingSettings.js';

const controlData = `pg_control version number:            1300
Database cluster state:               in production
wal_level setting:                    replica
wal_log_hints setting:                off
max_connections setting:              300
max_worker_processes setting:         16
max_wal_senders setting:              10
max_prepared_xacts setting:           10
max_locks_per_xact setting:           128
track_commit_timestamp setting:       off`;

describe('staging recovery settings', () => {
  it("reads the source's recovery parameters and wal_level from pg_controldata", () => {
    expect(parseControlData(controlData)).toEqual({
      values: {
        max_connections: 300,
        max_worker_processes: 16,
        max_wal_senders: 10,
        max_prepared_transactions: 10,
        max_locks_per_transaction: 128,
      },
      walLevel: 'replica',
    });
  });

  it('raises every parameter to the highest value any source asked for, and says what raised it', () => {
    const { settings, raised } = recoverySettings({
      controlFile: { max_connections: 300, max_wal_senders: 10 },
      manifest: { max_connections: 200, max_worker_processes: 16 },
      recovery: { max_connections: 400 },
    });
    expect(settings).toEqual({
      max_connections: 400,
      max_worker_processes: 16,
      max_wal_senders: 10,
      max_prepared_transactions: 0,
      max_locks_per_transaction: 64,
    });
    expect(describeRaised(raised)).toBe(
      'max_worker_processes 8 -> 16 (source manifest); max_connections 100 -> 400 (recovery)',
    );
  });

  it('never lowers a parameter below PostgreSQL default', () => {
    const { settings, raised } = recoverySettings({
      controlFile: { max_wal_senders: 4, max_connections: 20 },
    });
    expect(settings.max_wal_senders).toBe(10);
    expect(settings.max_connections).toBe(100);
    expect(raised).toEqual([]);
  });

  it('reads what a paused recovery says is too low from its DETAIL lines', () => {
    const log = `2026-12-01 10:00:00.000 UTC [42] WARNING:  hot standby is not possible because of insufficient parameter settings
2026-12-01 10:00:00.000 UTC [42] DETAIL:  max_connections = 300 is a lower setting than on the primary server, where its value was 400.
2026-12-01 10:00:00.000 UTC [42] LOG:  recovery has paused
2026-12-01 10:00:01.000 UTC [42] DETAIL:  max_locks_per_transaction = 64 is a lower setting than on the primary server, where its value was 256.
2026-12-01 10:00:01.000 UTC [42] DETAIL:  work_mem = 1 is a lower setting than on the primary server, where its value was 2.`;
    expect(insufficientSettings(log)).toEqual({ max_connections: 400, max_locks_per_transaction: 256 });
    expect(insufficientSettings('LOG:  database system is ready')).toEqual({});
  });
});

describe('server log failure summary', () => {
  it('joins each FATAL with its DETAIL and HINT lines, newest last', () => {
    const log = `2026-12-01 10:00:00.000 UTC [42] LOG:  starting PostgreSQL 15
2026-12-01 10:00:00.000 UTC [42] ERROR:  relation "x" does not exist
2026-12-01 10:00:00.100 UTC [42] FATAL:  recovery aborted because of insufficient parameter settings
2026-12-01 10:00:00.100 UTC [42] DETAIL:  max_connections = 100 is a lower setting than on the primary server, where its value was 300.
2026-12-01 10:00:00.100 UTC [42] HINT:  You can restart the server after making the necessary configuration changes.
2026-12-01 10:00:00.100 UTC [42] CONTEXT:  WAL redo at 0/3000028 for XLOG/PARAMETER_CHANGE
2026-12-01 10:00:00.200 UTC [42] LOG:  startup process (PID 43) exited with exit code 1`;
    expect(failureSummary(log)).toBe(
      'FATAL: recovery aborted because of insufficient parameter settings DETAIL: max_connections = 100 is a lower setting than on the primary server, where its value was 300. HINT: You can restart the server after making the necessary configuration changes.',
    );
  });

  it('falls back to ERROR lines, and to nothing when the log says nothing wrong', () => {
    expect(failureSummary('x ERROR:  could not open file "pg_wal/0001": No such file')).toBe(
      'ERROR: could not open file "pg_wal/0001": No such file',
    );
    expect(failureSummary('LOG:  database system is ready to accept connections')).toBeNull();
  });

  it('clips a long summary', () => {
    const summary = failureSummary(`FATAL:  ${'x'.repeat(5000)}`, 3, 100);
    expect(summary).toHaveLength(100);
    expect(summary?.endsWith('…')).toBe(true);
  });
});

describe('why a staging server stopped', () => {
  it('says recovery ran, the newest replayed transaction, and what to do when the archive ends before the target', () => {
    const log = `2026-12-01 21:00:00.000 UTC [7] LOG:  redo starts at 0/3000028
2026-12-01 21:00:01.000 UTC [7] LOG:  last completed transaction was at log time 2026-12-01 21:02:50.98+00
2026-12-01 21:00:01.000 UTC [7] FATAL:  recovery ended before configured recovery target was reached`;
    expect(explainStop(log)).toBe(
      'staging server stopped during recovery: FATAL: recovery ended before configured recovery target was reached (last completed transaction in the WAL archive: 2026-12-01 21:02:50.98+00) - the WAL archive ends before the recovery target: choose an earlier target time (archive_timeout bounds how far behind the archive can be)',
    );
  });

  it('says a server that never got to recovery did not start', () => {
    expect(explainStop('x FATAL:  could not access file "nope": No such file or directory')).toBe(
      'staging server did not start: FATAL: could not access file "nope": No such file or directory',
    );
  });
});
