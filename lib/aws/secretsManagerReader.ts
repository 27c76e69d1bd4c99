import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describeError } from '../core/errors.js';
import { SecretReadError } from '../core/reportingErrors.js';
import type { SecretValueReader } from '../ports.js';
import { createClient } from './clients.js';

/** Reads a secret's AWSCURRENT string value from Secrets Manager. Errors never include the value. */
export class SecretsManagerReader implements SecretValueReader {
  private readonly client: SecretsManagerClient;

  constructor(options: { region?: string; client?: SecretsManagerClient } = {}) {
    this.client =
      options.client ?? createClient(SecretsManagerClient, { region: options.region, purpose: 'adapters' });
  }

  async readSecret(secretId: string): Promise<string> {
    let value: string | undefined;
    try {
      value = (await this.client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (error) {
      throw new SecretReadError(`could not read secret ${secretId}: ${describeError(error)}`, {
        cause: error,
      });
    }
    if (value === undefined || value === '') {
      throw new SecretReadError(`secret ${secretId} has no string value`);
    }
    return value;
  }
}
