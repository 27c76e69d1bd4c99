import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import type { PostgresSecret } from '../core/rotation/postgresSecret.js';
import { postgresStrategy } from '../jobs/rotation/postgresStrategy.js';
import { rotateSecret } from '../jobs/rotation/rotateSecret.js';
import { ROTATION_TAG } from '../jobs/rotation/rotationAudit.js';
import { FileSecretStore } from '../local/fileSecretStore.js';
import { setRolePassword } from '../pg/rotatePostgresRole.js';
import type { Chat, Metrics, Progress, RunbookStore } from '../ports.js';

export interface LocalPostgresSecretSetup {
  /** Superuser (or CREATEROLE) URL of a local cluster, e.g. LocalCluster.url(). */
  adminUrl: string;
  store: FileSecretStore;
  /** Secret name of the application login (default "app-db"). */
  secretId?: string;
  /** Login role to create (default "app"); its alternate is `<role>_clone`. */
  role?: string;
  rotationIntervalDays?: number;
}

/**
 * Puts an admin secret and an application secret for a local cluster into the file store and
 * creates the application role with a random password. Idempotent: secrets already in the store
 * are left alone. Returns the secret ids.
 */
export async function setupLocalPostgresSecret(
  setup: LocalPostgresSecretSetup,
): Promise<{ secretId: string; adminSecretId: string }> {
  let url: URL;
  try {
    url = new URL(setup.adminUrl);
  } catch (error) {
    throw new InputError('--admin-url', 'must be a postgres:// connection URL', { cause: error });
  }
  if (!/^postgres(ql)?:$/.test(url.protocol))
    throw new InputError('--admin-url', 'must be a postgres:// connection URL');
  const secretId = setup.secretId ?? 'app-db';
  const adminSecretId = `${secretId}-admin`;
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 5432);
  const dbname = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const admin = {
    host,
    port,
    dbname,
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  if (!(await setup.store.has(adminSecretId))) {
    await setup.store.createSecret(adminSecretId, JSON.stringify(admin), {
      rotationEnabled: false,
      rotationIntervalDays: null,
      tags: { 'drillbook:role': 'postgres-admin' },
    });
  }
  if (!(await setup.store.has(secretId))) {
    const role = setup.role ?? 'app';
    const password = randomBytes(24).toString('base64url');
    await setRolePassword(
      { host, port, database: dbname, user: admin.username, password: admin.password, sslMode: 'disable' },
      role,
      password,
      role,
    );
    const value: PostgresSecret = {
      engine: 'postgres',
      host,
      port,
      dbname,
      username: role,
      password,
      adminSecretId,
    };
    await setup.store.createSecret(secretId, JSON.stringify(value), {
      rotationIntervalDays: setup.rotationIntervalDays ?? 30,
      tags: { [ROTATION_TAG]: 'postgres' },
    });
  }
  return { secretId, adminSecretId };
}

/**
 * For `drillbook demo`: sets up (once) and rotates a Postgres login on a local cluster, using the
 * file secret store and the same rotation steps as the Lambda. The local cluster has no TLS, so
 * the rotation runs with sslMode "disable", explicitly.
 */
export async function runLocalRotationDemo(options: {
  adminUrl: string;
  storeFile: string;
  runbook: RunbookStore;
  chat?: Chat;
  metrics?: Metrics;
  progress?: Progress;
  system?: string;
  secretId?: string;
  role?: string;
}): Promise<{ report: Report; location: string; secretId: string }> {
  const store = new FileSecretStore(options.storeFile);
  const { secretId } = await setupLocalPostgresSecret({
    adminUrl: options.adminUrl,
    store,
    ...(options.secretId ? { secretId: options.secretId } : {}),
    ...(options.role ? { role: options.role } : {}),
  });
  const { report, location } = await rotateSecret(
    { secretId, system: options.system ?? 'demo', environment: 'local' },
    {
      store,
      strategy: postgresStrategy(
        { sslMode: 'disable', checkQuery: 'select 1', connectTimeoutSeconds: 10 },
        store,
        (m) => options.progress?.step(m),
      ),
      start: (id) => store.startRotation(id),
      runbook: options.runbook,
      ...(options.chat ? { chat: options.chat } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    },
  );
  return { report, location, secretId };
}
