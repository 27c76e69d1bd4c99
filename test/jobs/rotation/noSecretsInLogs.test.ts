import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLocalRotationDemo } from '../../../lib/demo/localRotationDemo.js';
import {
  hmacStrategy,
  initialHmacSecret,
  initialJwtSecret,
  jwtStrategy,
} from '../../../lib/jobs/rotation/keyringStrategies.js';
import { postgresStrategy } from '../../../lib/jobs/rotation/postgresStrategy.js';
import { rotateSecret } from '../../../lib/jobs/rotation/rotateSecret.js';
import { rotationAudit } from '../../../lib/jobs/rotation/rotationAudit.js';
import { ConsoleChat } from '../../../lib/local/consoleChat.js';
import { FileSecretStore } from '../../../lib/local/fileSecretStore.js';
import { FolderRunbookStore } from '../../../lib/local/folderRunbookStore.js';
import { cleanupPostgresAfterAll, startPostgres } from '../../helpers/postgres.js';
import { secretStrings } from '../../helpers/secretMaterial.js';

cleanupPostgresAfterAll();

/** Every string that is secret material in a store file: passwords, private JWK members, HMAC keys. */
function secretMaterial(storeFile: string): string[] {
  const file = JSON.parse(readFileSync(storeFile, 'utf8')) as {
    secrets: Record<string, { versions: Record<string, { value?: string }> }>;
  };
  return Object.values(file.secrets).flatMap((secret) =>
    Object.values(secret.versions).flatMap((version) =>
      version.value ? secretStrings(JSON.parse(version.value)) : [],
    ),
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

let captured: string[] = [];
const restore: (() => void)[] = [];

beforeEach(() => {
  captured = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown) => {
      captured.push(String(chunk));
      return true;
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      captured.push(args.map(String).join(' '));
    };
    restore.push(() => {
      console[level] = original;
    });
  }
});

afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

describe('secret values never reach logs, chat or reports', () => {
  it('logs no secret during Postgres (ok and failing), JWT and HMAC rotations and the audit', async () => {
    const pg = await startPostgres();
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-nolog-'));
    const storeFile = join(dir, 'secrets.json');
    const runbookDir = join(dir, 'runbook');
    const runbook = new FolderRunbookStore(runbookDir);
    const chat = new ConsoleChat();
    const log = (m: string) => console.info(m);
    const progress = { step: (m: string) => process.stderr.write(`${m}\n`) };

    const demo = await runLocalRotationDemo({ adminUrl: pg.url(), storeFile, runbook, chat, progress });
    expect(demo.report.outcome).toBe('passed');

    const store = new FileSecretStore(storeFile);
    const common = { store, start: (id: string) => store.startRotation(id), runbook, chat, log, progress };
    const failing = await rotateSecret(
      { secretId: demo.secretId, system: 'demo', environment: 'local' },
      {
        ...common,
        strategy: postgresStrategy(
          { sslMode: 'verify-full', checkQuery: 'select 1', connectTimeoutSeconds: 5 },
          store,
          log,
        ),
      },
    );
    expect(failing.report.outcome).toBe('failed');

    const past = new Date(Date.now() - 2 * 86_400_000);
    await store.createSecret('jwt', JSON.stringify(initialJwtSecret('RS256', past)));
    await store.createSecret('hmac', JSON.stringify(initialHmacSecret(past)));
    const jwt = await rotateSecret(
      { secretId: 'jwt', system: 'demo', environment: 'local' },
      { ...common, strategy: jwtStrategy({ alg: 'RS256', tokenLifetimeSeconds: 600, jwksCacheSeconds: 60 }) },
    );
    const hmac = await rotateSecret(
      { secretId: 'hmac', system: 'demo', environment: 'local' },
      { ...common, strategy: hmacStrategy({ overlapSeconds: 600, cacheSeconds: 60, keyBytes: 32 }) },
    );
    expect([jwt.report.outcome, hmac.report.outcome]).toEqual(['passed', 'passed']);
    await rotationAudit(
      {
        system: 'demo',
        environment: 'local',
        warningDays: 7,
        graceHours: 24,
        secretIds: ['jwt', 'hmac', demo.secretId],
      },
      { store, runbook, chat },
    );

    const secrets = secretMaterial(storeFile);
    // Old and new passwords of both roles, the admin password, RSA private members, HMAC keys.
    expect(secrets.length).toBeGreaterThan(15);
    const output = captured.join('\n');
    expect(output).toContain('createSecret');
    const reports = filesUnder(runbookDir).map((f) => readFileSync(f, 'utf8'));
    expect(reports.length).toBeGreaterThanOrEqual(10);
    for (const secret of secrets) {
      expect(output.includes(secret), 'a secret value appeared in the log output').toBe(false);
      for (const r of reports) expect(r.includes(secret), 'a secret value appeared in a report').toBe(false);
    }
  });
});
