import { describe, expect, it } from 'vitest';
import { localFunctionArn, withLocalFunctionArns } from '../../lib/core/aslFunctionArns.js';
import { definitionPath, loadAslDefinition, localDefinition } from '../../lib/local/stateMachineRunner.js';

describe('local function ARNs', () => {
  it('replaces every Fn::GetAtt Arn, nested or not, and nothing else', () => {
    const value = { A: { 'Fn::GetAtt': ['fnA', 'Arn'] }, B: [{ x: { 'Fn::GetAtt': ['fnB', 'Arn'] } }], C: 1 };
    expect(withLocalFunctionArns(value)).toEqual({
      A: localFunctionArn('fnA'),
      B: [{ x: localFunctionArn('fnB') }],
      C: 1,
    });
    expect(withLocalFunctionArns({ 'Fn::GetAtt': ['fnA', 'Name'] })).toEqual({
      'Fn::GetAtt': ['fnA', 'Name'],
    });
  });

  it('gives a state machine the same ARNs whether loaded for a local run or for validation', () => {
    const { definition } = localDefinition('restore-drill');
    expect(loadAslDefinition(definitionPath('restore-drill'))).toEqual(definition);
  });
});
