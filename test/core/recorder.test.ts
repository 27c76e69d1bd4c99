import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../../lib/core/recorder.js';

describe('RunRecorder', () => {
  it('fails a phase that throws, records the reason and re-throws', async () => {
    const rec = new RunRecorder('backup', 'id', 'shop', 'production');
    await expect(rec.phase('copy', async () => Promise.reject(new Error('disk full')))).rejects.toThrow(
      'disk full',
    );
    rec.fail(new Error('disk full'));
    const report = rec.finish();
    expect(report.phases[0]).toMatchObject({ name: 'copy', outcome: 'failed', detail: 'disk full' });
    expect(report).toMatchObject({ outcome: 'failed', reason: 'disk full' });
  });

  it('fails a phase during which a failed check was recorded', async () => {
    const rec = new RunRecorder('restore-drill', 'id', 'shop', 'production');
    await rec.phase('verify', async () => {
      rec.check('row-counts', 'failed', 'public.a: expected 1 rows, found 0');
      rec.check('checksums', 'passed', 'ok');
    });
    expect(rec.finish().phases[0]).toMatchObject({ outcome: 'failed', detail: 'failed: row-counts' });
  });

  it('is inconclusive, never passed, when no check passed', () => {
    const rec = new RunRecorder('backup', 'id', 'shop', 'production');
    rec.check('heartbeat', 'inconclusive', 'none');
    expect(rec.finish().outcome).toBe('inconclusive');
    expect(new RunRecorder('backup', 'id', 'shop', 'production').finish().outcome).toBe('inconclusive');
  });
});
