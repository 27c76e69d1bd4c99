import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run package:aws` (serverless package, offline, no credentials) and assertions on the
 * CloudFormation it generates: what gets deployed, not what the yml hopes for.
 */
const root = join(import.meta.dirname, '..', '..');
const templatePath = join(root, '.serverless', 'cloudformation-template-update-stack.json');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
let resources: Record<string, Resource>;

beforeAll(() => {
  rmSync(join(root, '.serverless'), { recursive: true, force: true });
  const run = spawnSync('npm', ['run', '--silent', 'package:aws'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 280_000,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'offline',
      AWS_SECRET_ACCESS_KEY: 'offline',
      AWS_SESSION_TOKEN: '',
    },
  });
  if (run.status !== 0 || !existsSync(templatePath)) {
    throw new Error(`serverless package failed (${run.status}): ${run.stderr}\n${run.stdout}`.slice(0, 4000));
  }
  resources = JSON.parse(readFileSync(templatePath, 'utf8')).Resources;
}, 300_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function statements(): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  for (const [name, role] of ofType('AWS::IAM::Role')) {
    const policies = (role.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
    for (const p of policies)
      for (const s of p.PolicyDocument.Statement) found.push({ where: name, statement: s });
  }
  for (const [name, policy] of ofType('AWS::IAM::Policy')) {
    const doc = policy.Properties['PolicyDocument'] as { Statement: Statement[] };
    for (const s of doc.Statement) found.push({ where: name, statement: s });
  }
  return found;
}

describe('serverless package (CloudFormation)', () => {
  it('has both state machines, and every Task points at a function defined in the stack', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.map(([name]) => name)).toEqual(
      expect.arrayContaining(['DrillbookDashbackupDashprod', 'DrillbookDashrestoreDashdrillDashprod']),
    );
    for (const [name, machine] of machines) {
      const sub = (
        machine.Properties['DefinitionString'] as { 'Fn::Sub': [string, Record<string, unknown>] }
      )['Fn::Sub'];
      const [text, params]: [string, Record<string, unknown>] = Array.isArray(sub) ? sub : [sub, {}];
      const definition = JSON.parse(text) as { States: Record<string, { Type: string; Resource?: string }> };
      const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
      expect(tasks.length, name).toBeGreaterThan(0);
      for (const [stateName, state] of tasks) {
        const key = /^\$\{(\w+)\}$/.exec(state.Resource ?? '')?.[1];
        const target = key ? (params[key] as { 'Fn::GetAtt'?: [string, string] }) : undefined;
        const fn = target?.['Fn::GetAtt']?.[0];
        expect(fn, `${name}.${stateName}`).toBeDefined();
        expect(resources[fn!]?.Type, `${name}.${stateName} -> ${fn}`).toBe('AWS::Lambda::Function');
      }
    }
  });

  it('gives every function its own IAM role', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(9);
    const roles = functions.map(([name, fn]) => {
      const role = (fn.Properties['Role'] as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
      expect(role, name).toBeDefined();
      expect(resources[role!]?.Type, name).toBe('AWS::IAM::Role');
      return role;
    });
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('allows no wildcard action anywhere', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(20);
    for (const { where, statement } of all) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of actions(statement)) expect(action, where).not.toContain('*');
    }
  });

  it('lets only the steps that seal or check manifests read the configured manifest key', () => {
    const policy = resources['DrillbookManifestKeyPolicy'];
    expect(policy?.Type).toBe('AWS::IAM::Policy');
    expect(policy?.Properties['Roles']).toEqual([
      { Ref: 'DrillbookBackupFinishRole' },
      { Ref: 'DrillbookRestoreDrillStartRole' },
      { Ref: 'DrillbookRestoreDrillVerifyRole' },
    ]);
    const doc = policy?.Properties['PolicyDocument'] as { Statement: Statement[] };
    expect(doc.Statement).toEqual([
      {
        Sid: 'ManifestKey',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          {
            'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:eu-west-1:\${AWS::AccountId}:secret:drillbook/manifest-key/shop-??????`,
          },
        ],
      },
    ]);
  });

  it('lets RDS delete actions touch only drillbook-tagged resources', () => {
    const deletes = statements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' && actions(statement).some((a) => /^rds:Delete/.test(a)),
    );
    expect(deletes.map((d) => d.where).sort()).toEqual([
      'DrillbookBackupFinishRole',
      'DrillbookRestoreDrillStartRole',
      'DrillbookRestoreDrillTeardownRole',
    ]);
    for (const { where, statement } of deletes) {
      const conditions = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c));
      expect(
        conditions.some((k) => /^aws:ResourceTag\/drillbook:|^rds:[a-z-]+-tag\/drillbook:/.test(k)),
        where,
      ).toBe(true);
    }
  });

  it('schedules the backup daily and the drill monthly, and hands each function the validated config', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties['ScheduleExpression']);
    expect(rules).toEqual(expect.arrayContaining(['cron(0 2 * * ? *)', 'cron(0 6 1 * ? *)']));
    const ours = ofType('AWS::Lambda::Function').filter(([name]) => /^(Backup|RestoreDrill)[A-Z]/.test(name));
    expect(ours).toHaveLength(9);
    for (const [name, fn] of ours) {
      const env = (fn.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
      expect(() => JSON.parse(env['DRILLBOOK_CONFIG_JSON']!), name).not.toThrow();
    }
  });
});
