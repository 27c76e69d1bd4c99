import { describe, expect, it } from 'vitest';
import { envJson, envList, envNumber, envString } from '../lib/env.js';

describe('reading settings from the environment', () => {
  it('treats unset and blank variables alike, and trims values', () => {
    const env = { A: '  x ', B: '   ', N: ' 12 ' };
    expect(envString(env, 'A')).toBe('x');
    expect(envString(env, 'B')).toBeUndefined();
    expect(envString(env, 'C')).toBeUndefined();
    expect(envNumber(env, 'N')).toBe(12);
    expect(envNumber(env, 'B')).toBeUndefined();
    expect(envNumber({ N: 'ten' }, 'N')).toBeNaN();
  });

  it('splits a comma-separated list, dropping empty entries', () => {
    expect(envList({ L: ' a, ,b ,' }, 'L')).toEqual(['a', 'b']);
    expect(envList({}, 'L')).toEqual([]);
  });

  it('parses a JSON variable, naming the variable when it is unset or not JSON', () => {
    expect(envJson({ J: '{"a":1}' }, 'J')).toEqual({ a: 1 });
    expect(() => envJson({}, 'J', 'the config as JSON')).toThrow('J: is not set (the config as JSON)');
    expect(() => envJson({ J: '' }, 'J')).toThrow('J: is not set');
    expect(() => envJson({ J: '{' }, 'J')).toThrow('J: is not valid JSON');
  });
});
