import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: unknown;
}

type Fn = { handler: string; role: string; events?: { schedule?: { rate: string } }[] };
const parsed = parse(readFileSync('serverless.yml', 'utf8')) as {
  // As serverless merges them; the first entry (the canary functions) is derived from the config.
  functions: (string | Record<string, Fn>)[];
  // The first entry is the part derived from the config (config/stack.serverless.cjs).
  resources: (
    | string
    | { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> }
  )[];
};
const yml = {
  ...parsed,
  functions: Object.assign({}, ...parsed.functions.filter((f) => typeof f === 'object')) as Record<
    string,
    Fn
  >,
};
const resources = yml.resources.flatMap((r) =>
  typeof r === 'object' && r.Resources ? [r.Resources] : [],
)[0]!;
const statements = (role: string): Statement[] =>
  (resources[role]!.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );

describe('serverless.yml: rotation functions', () => {
  const rotation = { rotatePostgres: 'postgres', rotateJwt: 'jwt', rotateHmac: 'hmac' } as const;

  it('gives every rotation function its own role, scoped to its kind of secret, with no wildcard actions', () => {
    const roles = new Set<string>();
    for (const [fn, kind] of Object.entries(rotation)) {
      const f = yml.functions[fn]!;
      expect(f.handler).toBe(`functions/${fn}.handler`);
      expect(resources[f.role]?.Type).toBe('AWS::IAM::Role');
      roles.add(f.role);
      const sm = statements(f.role).filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
      const writes = sm.find((s) => s.Action.includes('secretsmanager:PutSecretValue'))!;
      expect(writes.Action.sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ]);
      expect(JSON.stringify(writes.Resource)).toContain(`:secret:drillbook/${kind}/*`);
      for (const s of sm) expect(s.Resource).not.toBe('*');
    }
    expect(roles.size).toBe(3);
    expect(new Set(Object.values(yml.functions).map((f) => f.role)).size).toBe(
      Object.keys(yml.functions).length,
    );
    for (const role of [...roles, yml.functions['rotationAudit']!.role]) {
      for (const s of statements(role)) for (const a of s.Action) expect(a).not.toMatch(/\*/);
    }
  });

  it('lets Secrets Manager (this account only) invoke each rotation function', () => {
    for (const fn of Object.keys(rotation)) {
      const logical = `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
      const permission = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::Permission' &&
          JSON.stringify(r.Properties['FunctionName']) === JSON.stringify({ 'Fn::GetAtt': [logical, 'Arn'] }),
      );
      expect(permission?.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      });
    }
  });

  it('runs the audit daily and only lists secrets where AWS requires a "*" resource', () => {
    expect(yml.functions['rotationAudit']!.events?.[0]?.schedule?.rate).toBe('cron(0 6 * * ? *)');
    const wide = statements(yml.functions['rotationAudit']!.role).filter((s) => s.Resource === '*');
    expect(wide.flatMap((s) => s.Action).sort()).toEqual([
      'cloudwatch:PutMetricData',
      'secretsmanager:ListSecrets',
    ]);
    expect(wide.find((s) => s.Action.includes('cloudwatch:PutMetricData'))?.Condition).toEqual({
      // The configured reporting.metricsNamespace (the packaging test checks the resolved value).
      StringEquals: {
        'cloudwatch:namespace': [`\${self:custom.stack.metricsNamespace}`, 'Drillbook/Rotation'],
      },
    });
  });
});
