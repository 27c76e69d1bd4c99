import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { manifestKeyGrants } = require('../../config/manifestKey.serverless.cjs') as {
  manifestKeyGrants: (config: unknown) => { configured: string; resources: unknown[] };
};

describe('manifest key grants for serverless.yml', () => {
  it('grants exactly the secrets named in systems[].backup.manifestKey, in the system’s region', () => {
    const grants = manifestKeyGrants({
      systems: [
        { name: 'shop', backup: { manifestKey: { secretId: 'drillbook/mk' } }, aws: { region: 'eu-west-1' } },
        {
          name: 'billing',
          backup: { manifestKey: { secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:mk-AbCdEf' } },
        },
        { name: 'plain', backup: {} },
      ],
    });
    expect(grants.configured).toBe('true');
    expect(grants.resources).toEqual([
      {
        'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:eu-west-1:\${AWS::AccountId}:secret:drillbook/mk-??????`,
      },
      'arn:aws:secretsmanager:us-east-1:1:secret:mk-AbCdEf',
    ]);
  });

  it('says "not configured" (no policy is created) when no system has a manifest key', () => {
    expect(manifestKeyGrants({ systems: [{ name: 'shop' }] }).configured).toBe('false');
  });
});
