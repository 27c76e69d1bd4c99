import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * An in-memory Secrets Manager behind aws-sdk-client-mock, answering with the real API shapes
 * (ARNs, VersionIdsToStages, SecretVersionsToStages in ListSecrets, NextToken pages,
 * ResourceNotFoundException / ResourceExistsException / InvalidRequestException).
 */
export interface FakeSecret {
  name: string;
  rotationEnabled: boolean;
  days: number | null;
  lastRotated?: Date;
  created: Date;
  tags: Record<string, string>;
  /** `created`: the version's CreatedDate (ListSecretVersionIds); set when the fake makes a version. */
  versions: Record<string, { stages: string[]; value?: string; created?: Date }>;
}

const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  new ResourceNotFoundException({ message, $metadata: {} });
const invalidParameter = (message: string) => new InvalidParameterException({ message, $metadata: {} });

/** The version a staging label is on (a label is on at most one version of a secret). */
function holderOf(s: FakeSecret, label: string): string | undefined {
  return Object.entries(s.versions).find(([, v]) => v.stages.includes(label))?.[0];
}

/**
 * Moves a staging label as Secrets Manager documents it (written here from the API reference, not
 * from drillbook's own label code): the label leaves the version in `removeFrom` and is attached
 * to `moveTo`; when AWSCURRENT leaves a version for another, AWSPREVIOUS goes to the version it
 * left (and off the one that had it). PutSecretValue moves labels implicitly; UpdateSecretVersionStage
 * (`strict`) wants RemoveFromVersionId to name the version the label is on.
 */
function moveLabel(
  s: FakeSecret,
  label: string,
  moveTo: string | undefined,
  removeFrom: string | undefined,
  strict: boolean,
): void {
  const holder = holderOf(s, label);
  if (removeFrom !== undefined) {
    const from = s.versions[removeFrom];
    if (!from) throw invalidParameter(`Not a valid version: ${removeFrom}`);
    if (!from.stages.includes(label)) {
      throw invalidParameter(`Version stage ${label} not found in version ${removeFrom}`);
    }
  } else if (strict && moveTo !== undefined && holder !== undefined && holder !== moveTo) {
    throw invalidParameter(
      `The parameter RemoveFromVersionId can't be empty. Staging label ${label} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  if (moveTo !== undefined && !s.versions[moveTo]) throw invalidParameter(`Not a valid version: ${moveTo}`);
  const leaving = removeFrom ?? (moveTo !== undefined ? holder : undefined);
  if (leaving !== undefined && leaving !== moveTo) {
    const from = s.versions[leaving]!;
    from.stages = from.stages.filter((x) => x !== label);
    if (label === 'AWSCURRENT' && moveTo !== undefined) {
      for (const v of Object.values(s.versions)) v.stages = v.stages.filter((x) => x !== 'AWSPREVIOUS');
      from.stages.push('AWSPREVIOUS');
    }
  }
  if (moveTo !== undefined && !s.versions[moveTo]!.stages.includes(label))
    s.versions[moveTo]!.stages.push(label);
}

export function fakeSecretsManager(
  secrets: FakeSecret[],
  pageSize = 2,
  everyClient = false,
  /** Called after RotateSecret labelled the new version, as Secrets Manager invokes the rotation function. */
  onRotate?: (name: string, token: string) => void,
) {
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  // everyClient: mock the class, so clients the code under test creates itself answer too.
  const mock = mockClient(everyClient ? SecretsManagerClient : client);
  const arn = (s: FakeSecret) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${s.name}-AbCdEf`;
  const find = (id: string | undefined) => {
    const s = secrets.find((x) => x.name === id || arn(x) === id);
    if (!s) throw notFound();
    return s;
  };
  const stages = (s: FakeSecret) =>
    Object.fromEntries(
      Object.entries(s.versions)
        .filter(([, v]) => v.stages.length > 0)
        .map(([id, v]) => [id, [...v.stages]]),
    );
  const entry = (s: FakeSecret) => ({
    ARN: arn(s),
    Name: s.name,
    RotationEnabled: s.rotationEnabled,
    RotationLambdaARN: 'arn:aws:lambda:eu-west-1:123456789012:function:drillbook-prod-rotateHmac',
    ...(s.days !== null ? { RotationRules: { AutomaticallyAfterDays: s.days } } : {}),
    ...(s.lastRotated ? { LastRotatedDate: s.lastRotated } : {}),
    ...(s.lastRotated && s.days !== null
      ? { NextRotationDate: new Date(s.lastRotated.getTime() + s.days * 86_400_000) }
      : {}),
    CreatedDate: s.created,
    Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
  });
  mock.on(DescribeSecretCommand).callsFake((input) => {
    const s = find(input.SecretId);
    return { ...entry(s), VersionIdsToStages: stages(s) };
  });
  mock.on(GetSecretValueCommand).callsFake((input) => {
    const s = find(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId ? undefined : 'AWSCURRENT');
    const id =
      input.VersionId ?? Object.entries(s.versions).find(([, v]) => stage && v.stages.includes(stage))?.[0];
    const version = id ? s.versions[id] : undefined;
    if (!version || version.value === undefined || (stage && !version.stages.includes(stage))) {
      throw notFound(
        `Secrets Manager can't find the specified secret value for ${stage ? `staging label: ${stage}` : `VersionId: ${id}`}`,
      );
    }
    return {
      ARN: arn(s),
      Name: s.name,
      VersionId: id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: new Date(),
    };
  });
  mock.on(PutSecretValueCommand).callsFake((input) => {
    const s = find(input.SecretId);
    const token = input.ClientRequestToken!;
    const existing = s.versions[token];
    if (existing?.value !== undefined) {
      if (existing.value !== input.SecretString) {
        throw new ResourceExistsException({
          message: "You can't modify an existing version, you can only create a new version.",
          $metadata: {},
        });
      }
    } else {
      s.versions[token] = {
        stages: existing?.stages ?? [],
        value: input.SecretString!,
        created: existing?.created ?? new Date(),
      };
      // PutSecretValue takes each label from whichever version has it.
      for (const label of input.VersionStages ?? ['AWSCURRENT']) moveLabel(s, label, token, undefined, false);
    }
    return { ARN: arn(s), Name: s.name, VersionId: token, VersionStages: s.versions[token]!.stages };
  });
  mock.on(UpdateSecretVersionStageCommand).callsFake((input) => {
    const s = find(input.SecretId);
    const before = holderOf(s, 'AWSCURRENT');
    moveLabel(s, input.VersionStage!, input.MoveToVersionId, input.RemoveFromVersionId, true);
    if (holderOf(s, 'AWSCURRENT') !== before) s.lastRotated = new Date();
    return { ARN: arn(s), Name: s.name };
  });
  mock.on(RotateSecretCommand).callsFake((input) => {
    const s = find(input.SecretId);
    const token = input.ClientRequestToken ?? `rot-${Object.keys(s.versions).length}-${Date.now()}`;
    const pending = Object.entries(s.versions).find(([, v]) => v.stages.includes('AWSPENDING'));
    if (pending && !pending[1].stages.includes('AWSCURRENT')) {
      throw new InvalidRequestException({
        message: "A previous rotation isn't complete. That rotation will be reattempted.",
        $metadata: {},
      });
    }
    s.versions[token] = { stages: ['AWSPENDING'], created: new Date() };
    onRotate?.(s.name, token);
    return { ARN: arn(s), Name: s.name, VersionId: token };
  });
  // One page: the fake's secrets hold a handful of versions. Versions without a date are as old as the secret.
  mock.on(ListSecretVersionIdsCommand).callsFake((input) => {
    const s = find(input.SecretId);
    return {
      ARN: arn(s),
      Name: s.name,
      Versions: Object.entries(s.versions)
        .filter(([, v]) => v.stages.length > 0)
        .map(([VersionId, v]) => ({
          VersionId,
          VersionStages: [...v.stages],
          CreatedDate: v.created ?? s.created,
        })),
    };
  });
  mock.on(ListSecretsCommand).callsFake((input: ListSecretsCommandInput) => {
    const keyFilter = input.Filters?.find((f) => f.Key === 'tag-key')?.Values ?? [];
    const valueFilter = input.Filters?.find((f) => f.Key === 'tag-value')?.Values ?? [];
    // As the real API: tag-key and tag-value match by prefix (case-sensitive), independently.
    const matching = secrets.filter(
      (s) =>
        (keyFilter.length === 0 || keyFilter.some((k) => Object.keys(s.tags).some((t) => t.startsWith(k)))) &&
        (valueFilter.length === 0 ||
          valueFilter.some((v) => Object.values(s.tags).some((t) => t.startsWith(v)))),
    );
    const start = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64').toString()) : 0;
    const page = matching.slice(start, start + pageSize);
    const more = start + pageSize < matching.length;
    return {
      SecretList: page.map((s) => ({ ...entry(s), SecretVersionsToStages: stages(s) })),
      ...(more ? { NextToken: Buffer.from(String(start + pageSize)).toString('base64') } : {}),
    };
  });
  return { client, mock, arn };
}
