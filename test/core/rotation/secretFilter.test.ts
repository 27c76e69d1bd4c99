import { describe, expect, it } from 'vitest';
import { matchesTags } from '../../../lib/core/rotation/secretFilter.js';

describe('matchesTags', () => {
  const tags = { 'drillbook:rotation': 'true', 'drillbook:stage': 'prod-old' };

  it('requires every alsoTagged pair exactly, never by prefix', () => {
    expect(
      matchesTags(tags, { tagKey: 'drillbook:rotation', alsoTagged: { 'drillbook:stage': 'prod' } }),
    ).toBe(false);
    expect(
      matchesTags(tags, { tagKey: 'drillbook:rotation', alsoTagged: { 'drillbook:stage': 'prod-old' } }),
    ).toBe(true);
    expect(matchesTags({ 'drillbook:rotation': 'true' }, { alsoTagged: { 'drillbook:stage': 'prod' } })).toBe(
      false,
    );
  });

  it('keeps the key, key=value and value-only selections', () => {
    expect(matchesTags(tags, {})).toBe(true);
    expect(matchesTags(tags, { tagKey: 'drillbook' })).toBe(false);
    expect(matchesTags(tags, { tagKey: 'drillbook:rotation', tagValue: 'tru' })).toBe(false);
    expect(matchesTags(tags, { tagKey: 'drillbook:rotation', tagValue: 'true' })).toBe(true);
    expect(matchesTags(tags, { tagValue: 'prod-old' })).toBe(true);
    expect(matchesTags(tags, { tagValue: 'prod' })).toBe(false);
  });

  it('matches only tags the secret has, never inherited object keys', () => {
    expect(matchesTags({}, { tagKey: 'toString' })).toBe(false);
    expect(matchesTags({}, { alsoTagged: { constructor: String(Object.prototype.constructor) } })).toBe(
      false,
    );
    expect(matchesTags({ toString: 'x' }, { tagKey: 'toString' })).toBe(true);
  });
});
