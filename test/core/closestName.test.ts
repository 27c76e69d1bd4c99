import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../../lib/core/closestName.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as one edit each', () => {
    expect(editDistance('checks', 'checks')).toBe(0);
    expect(editDistance('check', 'checks')).toBe(1);
    expect(editDistance('chekcs', 'checks')).toBe(1);
    expect(editDistance('cheks', 'checks')).toBe(1);
    expect(editDistance('masking', 'checks')).toBeGreaterThan(2);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestName', () => {
  const known = ['environment', 'workDir', 'checks', 'masking', 'recoveryTimeoutSeconds'];

  it('suggests the known name a typo or a wrong case is closest to', () => {
    expect(closestName('check', known)).toBe('checks');
    expect(closestName('Checks', known)).toBe('checks');
    expect(closestName('workdir', known)).toBe('workDir');
    expect(closestName('RECOVERYTIMEOUTSECONDS', known)).toBe('recoveryTimeoutSeconds');
    expect(closestName('maskng', known)).toBe('masking');
  });

  it('suggests nothing when no name is within two edits', () => {
    expect(closestName('retention', known)).toBeUndefined();
    expect(closestName('x', ['id'])).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });

  it('prefers the nearer of two candidates', () => {
    expect(closestName('tabel', ['tables', 'table'])).toBe('table');
  });

  it('formats the hint for an error message', () => {
    expect(didYouMean('check', known)).toBe('; did you mean "checks"?');
    expect(didYouMean('zzz', known)).toBe('');
  });
});
