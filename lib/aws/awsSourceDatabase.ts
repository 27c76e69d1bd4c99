import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Manifest } from '../core/manifest.js';
import { PgSourceDatabase } from '../pg/sourceDatabase.js';
import type { SourceDatabase } from '../ports.js';
import type { AwsSystemConfig, RdsSource } from './awsSystemConfig.js';
import { postgresUrl, readDbCredential } from './secrets.js';
import { sourceEndpoint } from './sourceEndpoint.js';

export interface AwsSourceOptions {
  system: string;
  source: RdsSource;
  rds: RDSClient;
  secrets: SecretsManagerClient;
  aws: Pick<AwsSystemConfig, 'sourceSecretId' | 'database' | 'sslMode'>;
  heartbeatTable: string;
  migrationsTable?: string | undefined;
  tables?: string[] | undefined;
  databases?: string[] | undefined;
}

/**
 * The RDS/Aurora source through pg, logged in with the Secrets Manager credential (read at use,
 * kept in memory only). The manifest's point is a held whole second (see PgSourceDatabase), the
 * one an RDS point-in-time restore can reach exactly.
 */
export class AwsSourceDatabase implements SourceDatabase {
  private pg: Promise<PgSourceDatabase> | null = null;

  constructor(private readonly options: AwsSourceOptions) {}

  private database(): Promise<PgSourceDatabase> {
    this.pg ??= (async () => {
      const { rds, secrets, source, aws } = this.options;
      const [endpoint, credential] = await Promise.all([
        sourceEndpoint(rds, source),
        readDbCredential(secrets, aws.sourceSecretId),
      ]);
      return new PgSourceDatabase({
        url: postgresUrl(endpoint, aws.database, credential, aws.sslMode),
        system: this.options.system,
        heartbeatTable: this.options.heartbeatTable,
        migrationsTable: this.options.migrationsTable,
        tables: this.options.tables,
        databases: this.options.databases,
        pointMarking: 'held-second',
      });
    })();
    this.pg.catch(() => {
      this.pg = null;
    });
    return this.pg;
  }

  async writeHeartbeat(): Promise<Date> {
    return (await this.database()).writeHeartbeat();
  }

  async captureManifest(meta: Parameters<SourceDatabase['captureManifest']>[0]): Promise<Manifest> {
    return (await this.database()).captureManifest(meta);
  }
}
