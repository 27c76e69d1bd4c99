import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJwksFile } from '../../../lib/jobs/rotation/jwksFile.js';

const key = (kid: string) => ({ kid, kty: 'EC', alg: 'ES256', use: 'sig' });

describe('writeJwksFile', () => {
  it('keeps when each key first reached the file; a file from before publishedAt counts from its last write', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'drillbook-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [key('a')] }));
    const lastWrite = new Date('2026-11-01T00:00:00Z');
    utimesSync(file, lastWrite, lastWrite);

    const t1 = new Date('2026-11-01T01:00:00Z');
    expect(await writeJwksFile(file, { keys: [key('a'), key('b')] }, t1)).toEqual({
      a: lastWrite.toISOString(),
      b: t1.toISOString(),
    });
    const t2 = new Date('2026-11-01T02:00:00Z');
    await writeJwksFile(file, { keys: [key('b'), key('c')] }, t2);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      keys: [key('b'), key('c')],
      publishedAt: { b: t1.toISOString(), c: t2.toISOString() },
    });
  });
});
