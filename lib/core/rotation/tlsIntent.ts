import type { sslModes } from './secretsConfig.js';

export type RotationSslMode = (typeof sslModes)[number];

/** How strict each mode is: a stricter mode never connects where a laxer one would refuse. */
const strictness: Record<RotationSslMode, number> = { disable: 0, require: 1, 'verify-full': 2 };

/** libpq sslmode values and what they demand of the connection, in drillbook's three modes. */
const libpqModes: Record<string, RotationSslMode> = {
  disable: 'disable',
  allow: 'disable',
  prefer: 'disable',
  require: 'require',
  'verify-ca': 'verify-full',
  'verify-full': 'verify-full',
};

export interface TlsDecision {
  mode: RotationSslMode;
  /** Which setting decided, for the report and the log: "function config", "secret ssl: true", ... */
  source: string;
  /** One line for the report: `verify-full (secret sslmode verify-ca; function config require)`. */
  detail: string;
}

/**
 * What the secret itself asks of TLS. `"ssl": true` (the field AWS's rotation templates read) means
 * never plaintext; an `sslmode` is read as libpq reads it. Null when the secret says nothing (or
 * allows plaintext), so the function's configuration alone decides.
 */
export function secretTlsIntent(secret: Readonly<Record<string, unknown>>): {
  mode: RotationSslMode;
  source: string;
} | null {
  const found: { mode: RotationSslMode; source: string }[] = [];
  const ssl = secret['ssl'];
  if (ssl === true || (typeof ssl === 'string' && ssl.trim().toLowerCase() === 'true')) {
    found.push({ mode: 'require', source: 'secret ssl: true' });
  }
  for (const key of ['sslmode', 'sslMode']) {
    const raw = secret[key];
    if (typeof raw !== 'string') continue;
    const mode = libpqModes[raw.trim().toLowerCase()];
    // An sslmode drillbook does not know is taken at its strictest rather than ignored.
    found.push({ mode: mode ?? 'verify-full', source: `secret ${key} ${raw.trim()}` });
  }
  return found.reduce<{ mode: RotationSslMode; source: string } | null>(
    (best, f) => (best === null || strictness[f.mode] > strictness[best.mode] ? f : best),
    null,
  );
}

/** The strictest of the function's configured mode and the secret's own intent. */
export function decideTls(
  configured: RotationSslMode,
  secret: Readonly<Record<string, unknown>>,
): TlsDecision {
  const intent = secretTlsIntent(secret);
  const config = `function config ${configured}`;
  if (intent === null || strictness[intent.mode] <= strictness[configured]) {
    return {
      mode: configured,
      source: 'function config',
      detail: intent === null ? `${configured} (${config})` : `${configured} (${config}; ${intent.source})`,
    };
  }
  return { mode: intent.mode, source: intent.source, detail: `${intent.mode} (${intent.source}; ${config})` };
}
