import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Manifest } from '../core/manifest.js';
import type { Check } from '../core/report.js';
import { PgStagingInspector, type PgStagingInspectorOptions } from '../pg/pgStagingInspector.js';
import type { StagingHandle, StagingInspector } from '../ports.js';
import { readDbCredential } from './secrets.js';

/**
 * The same verifier as the local path (PgStagingInspector), on an RDS restore: the handle that
 * travels through the state machine carries no password, so the login (the source's credential:
 * a restore keeps the master user) is added here, in memory. The masking guard checks the
 * restored instance's drill/staging tags, since RDS cannot carry drillbook's server setting.
 */
export class AwsStagingInspector implements StagingInspector {
  private readonly pg: PgStagingInspector;

  constructor(
    options: Omit<PgStagingInspectorOptions, 'stagingGuard'>,
    private readonly secrets: SecretsManagerClient,
    private readonly secretId: string,
    assertStaging: (handle: StagingHandle) => Promise<void>,
  ) {
    this.pg = new PgStagingInspector({ ...options, stagingGuard: (handle) => assertStaging(handle) });
  }

  private withLogin(handle: StagingHandle): Promise<StagingHandle> {
    return stagingWithLogin(this.secrets, this.secretId, handle);
  }

  async fingerprint(handle: StagingHandle, manifest: Manifest) {
    return this.pg.fingerprint(await this.withLogin(handle), manifest);
  }

  async sourceFidelity(handle: StagingHandle, manifest: Manifest): Promise<Check[]> {
    return this.pg.sourceFidelity(await this.withLogin(handle), manifest);
  }

  async integrityChecks(handle: StagingHandle, manifest: Manifest): Promise<Check[]> {
    return this.pg.integrityChecks(await this.withLogin(handle), manifest);
  }

  async newestHeartbeat(handle: StagingHandle): Promise<Date | null> {
    return this.pg.newestHeartbeat(await this.withLogin(handle));
  }

  async mask(handle: StagingHandle): Promise<Check> {
    return this.pg.mask(await this.withLogin(handle));
  }
}

/** The staging handle with the source's login (a restore keeps the master user), in memory only. */
export async function stagingWithLogin(
  secrets: SecretsManagerClient,
  secretId: string,
  handle: StagingHandle,
): Promise<StagingHandle> {
  const credential = await readDbCredential(secrets, secretId);
  const url = new URL(handle.connectionString);
  url.username = encodeURIComponent(credential.username);
  url.password = encodeURIComponent(credential.password);
  return { id: handle.id, connectionString: url.toString() };
}
