import { existsSync } from 'node:fs';
import { CloudWatchRotationMetrics, combineMetrics } from '../../aws/rotationMetrics.js';
import { SecretsManagerStore } from '../../aws/secretsManagerStore.js';
import { describeError, InputError } from '../../core/errors.js';
import { renderMarkdown } from '../../core/markdown.js';
import type { SecretEntry } from '../../core/rotation/secretsConfig.js';
import { refreshJwksFile } from '../../jobs/rotation/jwksFile.js';
import { ROTATION_TAG, rotationAudit } from '../../jobs/rotation/rotationAudit.js';
import { FileSecretStore } from '../../local/fileSecretStore.js';
import type { SecretStore } from '../../ports.js';
import { parseFlags } from '../args.js';
import { type Command, type CommandContext, exitCodeFor } from '../context.js';
import { cliPublishers } from '../publishers.js';
import { optionalConfig } from '../runbookFlag.js';
import { positiveInt, secretsConfig, storeFile, systemName } from './rotationFlags.js';

export const rotationAuditCommand: Command = {
  name: 'rotation-audit',
  summary: 'audit secrets for disabled, overdue, due-soon or stuck rotations',
  help: `usage: drillbook rotation-audit [--store FILE] [--secret ID ...] [--tag KEY[=VALUE]] [options]

Flags every audited secret whose rotation is disabled, overdue (last rotation older than its
schedule plus grace), due soon (next rotation within the warning window) or stuck (AWSPENDING on
a version other than AWSCURRENT for --stuck-after-hours or longer; a younger one is a rotation
running now, noted, not flagged). Writes a "rotation-audit" report and posts to chat only when
something is flagged.

Which secrets: --secret (repeatable) and/or --tag; else the config's secrets.items and
secrets.tag; else every secret tagged ${ROTATION_TAG} (drillbook rotate --init tags what it creates).
  --store FILE         local secret store (default: config secrets.storeFile, else ./secrets.local.json)
  --target aws         audit AWS Secrets Manager instead (credentials from the environment), store
                       the report in the S3 runbook (runbook.s3 or $DRILLBOOK_RUNBOOK_BUCKET) and
                       publish metrics to CloudWatch (Drillbook and Drillbook/Rotation)
  --region REGION      AWS region (default: config secrets.region, else the SDK default)
  --warning-days N     due-soon window in days (default: config, else 7)
  --grace-hours N      lateness allowed before overdue (default: config, else 24)
  --stuck-after-hours N an unfinished rotation (AWSPENDING) this old is stuck (default: config, else 24)
  --runbook DIR        runbook folder (default: the config's runbook.dir, else ./runbook)

Exit codes: 0 nothing flagged, 1 something flagged (or due soon), 2 bad input or configuration.`,
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      store: { type: 'string' },
      secret: { type: 'string', multiple: true },
      tag: { type: 'string' },
      region: { type: 'string' },
      'warning-days': { type: 'string' },
      'grace-hours': { type: 'string' },
      'stuck-after-hours': { type: 'string' },
      runbook: { type: 'string' },
    });
    const config = optionalConfig(values.config);
    const secrets = secretsConfig(config);
    const target = values.target;
    if (target !== 'local' && target !== 'aws') throw new InputError('--target', 'must be local or aws');
    const region = values.region ?? secrets.region;
    const file = storeFile(values.store, secrets);
    if (target === 'local' && !existsSync(file)) throw new InputError('--store', `file not found: ${file}`);
    const store: SecretStore =
      target === 'aws'
        ? new SecretsManagerStore({ ...(region ? { region } : {}), datePendingVersions: true })
        : new FileSecretStore(file, ctx.now);
    const secretIds = values.secret ?? secrets.items.map((e) => e.id);
    // Nothing named: audit what drillbook rotates, the secrets tagged drillbook:rotation (as on AWS).
    const tag =
      values.tag !== undefined
        ? parseTag(values.tag)
        : (secrets.tag ?? (secretIds.length === 0 ? { key: ROTATION_TAG } : undefined));
    const publishers = cliPublishers(ctx, config, { target, runbook: values.runbook, json: values.json });
    const { report, location } = await rotationAudit(
      {
        system: systemName(values.system, config),
        environment: target === 'aws' ? 'aws' : 'local',
        secretIds,
        ...(tag ? { tag } : {}),
        warningDays: positiveInt(values['warning-days'], 'warning-days') ?? secrets.warningDays,
        graceHours: positiveInt(values['grace-hours'], 'grace-hours') ?? secrets.graceHours,
        stuckAfterHours:
          positiveInt(values['stuck-after-hours'], 'stuck-after-hours') ?? secrets.stuckAfterHours,
      },
      {
        store,
        ...publishers,
        ...(ctx.now ? { now: ctx.now } : {}),
        ...(target === 'aws'
          ? {
              metrics: publishers.metrics
                ? combineMetrics(publishers.metrics, new CloudWatchRotationMetrics(region ? { region } : {}))
                : new CloudWatchRotationMetrics(region ? { region } : {}),
            }
          : {}),
      },
    );
    if (target === 'local') await refreshJwksFiles(store, secrets.items, ctx);
    ctx.out(values.json ? JSON.stringify(report, null, 2) : renderMarkdown(report));
    ctx.err(`report: ${location}`);
    return exitCodeFor(report.outcome);
  },
};

/**
 * The audit also keeps published JWKS files current: a retired key leaves the file when its
 * overlap ends, not at the next rotation. A failure here is a warning; the audit report stands.
 */
async function refreshJwksFiles(store: SecretStore, items: readonly SecretEntry[], ctx: CommandContext) {
  const now = (ctx.now ?? (() => new Date()))();
  for (const item of items) {
    const file = item.type === 'jwt' ? item.jwt?.jwksFile : undefined;
    if (!file) continue;
    try {
      const kids = await refreshJwksFile(store, item.id, file, now);
      ctx.progress.step(`rewrote ${file}: ${kids.length} public keys of ${item.id}`);
    } catch (error) {
      ctx.err(`warning: could not rewrite ${file} for ${item.id}: ${describeError(error)}`);
    }
  }
}

function parseTag(text: string): { key: string; value?: string } {
  const [key, ...rest] = text.split('=');
  if (!key) throw new InputError('--tag', 'must be KEY or KEY=VALUE');
  return rest.length > 0 ? { key, value: rest.join('=') } : { key };
}
