/**
 * The settings a restored copy needs to recover at all. A hot standby (and so a paused point-in-time
 * recovery) refuses to run with these below the primary's values: Postgres checks them against the
 * values in the backup's control file and in every parameter-change record it replays, pausing or
 * aborting with "insufficient parameter settings" when staging's are lower.
 */
export const RECOVERY_PARAMETERS = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
] as const;

export type RecoveryParameter = (typeof RECOVERY_PARAMETERS)[number];
export type RecoveryValues = Partial<Record<RecoveryParameter, number>>;

/** PostgreSQL's own defaults: what staging starts from before any source value raises it. */
export const POSTGRES_DEFAULTS: Record<RecoveryParameter, number> = {
  max_connections: 100,
  max_worker_processes: 8,
  max_wal_senders: 10,
  max_prepared_transactions: 0,
  max_locks_per_transaction: 64,
};

/** pg_controldata's names for the recovery parameters. */
const CONTROL_FILE_NAMES: Record<string, RecoveryParameter> = {
  'max_connections setting': 'max_connections',
  'max_worker_processes setting': 'max_worker_processes',
  'max_wal_senders setting': 'max_wal_senders',
  'max_prepared_xacts setting': 'max_prepared_transactions',
  'max_locks_per_xact setting': 'max_locks_per_transaction',
};

export interface ControlFileFacts {
  values: RecoveryValues;
  walLevel: string | null;
}

/** Reads the recovery parameters (and wal_level) out of `pg_controldata` output. */
export function parseControlData(text: string): ControlFileFacts {
  const values: RecoveryValues = {};
  let walLevel: string | null = null;
  for (const line of text.split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, label, raw] = match as unknown as [string, string, string];
    const name = CONTROL_FILE_NAMES[label];
    if (name && /^\d+$/.test(raw)) values[name] = Number(raw);
    if (label === 'wal_level setting') walLevel = raw;
  }
  return { values, walLevel };
}

/** One parameter staging had to raise, and what asked for it. */
export interface RaisedSetting {
  name: RecoveryParameter;
  value: number;
  /** The value staging would have had without it. */
  was: number;
  because: 'backup control file' | 'source manifest' | 'recovery';
}

/**
 * Staging's recovery parameters: each at least PostgreSQL's default and at least every source
 * value seen (the backup's control file, the manifest's settings, values a paused or aborted
 * recovery asked for). Returns the settings and which of them a source value raised, for the report.
 */
export function recoverySettings(sources: {
  controlFile?: RecoveryValues;
  manifest?: RecoveryValues;
  recovery?: RecoveryValues;
}): { settings: Record<RecoveryParameter, number>; raised: RaisedSetting[] } {
  const settings = { ...POSTGRES_DEFAULTS };
  const raised: RaisedSetting[] = [];
  const layers: Array<[RaisedSetting['because'], RecoveryValues | undefined]> = [
    ['backup control file', sources.controlFile],
    ['source manifest', sources.manifest],
    ['recovery', sources.recovery],
  ];
  for (const [because, values] of layers) {
    for (const name of RECOVERY_PARAMETERS) {
      const wanted = values?.[name];
      if (wanted === undefined || wanted <= settings[name]) continue;
      const earlier = raised.findIndex((r) => r.name === name);
      const was = earlier >= 0 ? raised[earlier]!.was : settings[name];
      if (earlier >= 0) raised.splice(earlier, 1);
      raised.push({ name, value: wanted, was, because });
      settings[name] = wanted;
    }
  }
  return { settings, raised };
}

/**
 * The parameters a paused or aborted recovery says are too low, from its DETAIL lines
 * ("max_connections = 100 is a lower setting than on the primary server, where its value was 300.").
 */
export function insufficientSettings(log: string): RecoveryValues {
  const found: RecoveryValues = {};
  const pattern = /(\w+) = (\d+) is a lower setting than on the primary server, where its value was (\d+)/g;
  for (const match of log.matchAll(pattern)) {
    const name = match[1] as RecoveryParameter;
    if (!(RECOVERY_PARAMETERS as readonly string[]).includes(name)) continue;
    found[name] = Math.max(found[name] ?? 0, Number(match[3]));
  }
  return found;
}

/** A human line for the report: what was raised, from what, and why. */
export function describeRaised(raised: readonly RaisedSetting[]): string {
  if (raised.length === 0) return 'staging defaults cover every recovery parameter of the source';
  return raised.map((r) => `${r.name} ${r.was} -> ${r.value} (${r.because})`).join('; ');
}
