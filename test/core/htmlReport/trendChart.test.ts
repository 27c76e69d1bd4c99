import { describe, expect, it } from 'vitest';
import { axisStep } from '../../../lib/core/htmlReport/trendChart.js';

describe('axisStep', () => {
  it('picks round durations and 1-2-5 numbers', () => {
    expect(axisStep(185, 'duration')).toBe(60); // 0..4m
    expect(axisStep(1200, 'duration')).toBe(600); // 0..40m
    expect(axisStep(14_400, 'duration')).toBe(7200);
    expect(axisStep(2500, 'rate')).toBe(1000);
    expect(axisStep(0, 'rate')).toBe(1);
  });
});
