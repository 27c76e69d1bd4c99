import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotationStateError, SecretNotFoundError } from '../../lib/core/rotation/errors.js';
import { FileSecretStore } from '../../lib/local/fileSecretStore.js';

const at = new Date('2026-11-01T00:00:00Z');

function store() {
  return new FileSecretStore(join(mkdtempSync(join(tmpdir(), 'drillbook-store-')), 'secrets.json'), () => at);
}

describe('FileSecretStore (Secrets Manager semantics in a file)', () => {
  it('labels a pending version like RotateSecret, stores its value once, and dates the rotation on finish', async () => {
    const s = store();
    await s.createSecret('a', 'v1', { tags: { team: 'x' } });
    expect((statSync(s.file).mode & 0o777).toString(8)).toBe('600');
    const { token, resumed } = await s.startRotation('a');
    expect(resumed).toBe(false);
    await expect(s.getValue('a', { versionId: token, stage: 'AWSPENDING' })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
    await s.putValue('a', token, 'v2', ['AWSPENDING']);
    await s.putValue('a', token, 'v2', ['AWSPENDING']);
    await expect(s.putValue('a', token, 'other', ['AWSPENDING'])).rejects.toBeInstanceOf(RotationStateError);
    // Unfinished: starting again resumes the same token.
    expect(await s.startRotation('a')).toEqual({ token, resumed: true });
    const current = Object.entries((await s.describe('a')).versions).find(([, st]) =>
      st.includes('AWSCURRENT'),
    )![0];
    await s.updateStage('a', { stage: 'AWSCURRENT', moveToVersionId: token, removeFromVersionId: current });
    const d = await s.describe('a');
    expect(d.versions).toEqual({ [current]: ['AWSPREVIOUS'], [token]: ['AWSPENDING', 'AWSCURRENT'] });
    expect(d.lastRotatedDate?.toISOString()).toBe(at.toISOString());
    expect(d.nextRotationDate?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect((await s.getValue('a', { stage: 'AWSCURRENT' })).value).toBe('v2');
    await expect(
      s.updateStage('a', { stage: 'AWSCURRENT', moveToVersionId: current, removeFromVersionId: 'nope' }),
    ).rejects.toBeInstanceOf(RotationStateError);
  });

  it('lists by tag key and value, and reports unknown secrets as not found', async () => {
    const s = store();
    await s.createSecret('a', '1', { tags: { team: 'x' } });
    await s.createSecret('b', '1', { tags: { team: 'y' } });
    await s.createSecret('c', '1');
    expect((await s.list()).map((d) => d.name)).toEqual(['a', 'b', 'c']);
    expect((await s.list({ tagKey: 'team' })).map((d) => d.name)).toEqual(['a', 'b']);
    expect((await s.list({ tagKey: 'team', tagValue: 'y' })).map((d) => d.name)).toEqual(['b']);
    await expect(s.describe('zzz')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(s.createSecret('a', '2')).rejects.toThrow(/already exists/);
  });
});
