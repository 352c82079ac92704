import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../../main/common/api/operations';
import { operationSchemas, validateInput } from '../../../main/common/api/schemas';

function messageOf(op: Parameters<typeof validateInput>[0], input: unknown): string {
  try {
    validateInput(op, input);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('argument validation', () => {
  it('has a schema for every operation', () => {
    expect(Object.keys(operationSchemas).sort()).toEqual([...OPERATION_NAMES].sort());
  });

  it('accepts good input and passes it on', () => {
    const req = { projectId: 'abc', workflow: 'train', args: ['--epochs', '3'], tag: 'v1' };
    expect(validateInput('runs.submit', req)).toEqual(req);
    expect(validateInput('app.info', undefined)).toBeUndefined();
    expect(validateInput('app.info', {})).toEqual({});
  });

  it('names a missing field', () => {
    expect(messageOf('runs.stop', { projectId: 'p', abort: true })).toBe('Invalid argument to runs.stop: "runName" is required.');
  });

  it('names a field of the wrong type', () => {
    expect(messageOf('runs.submit', { projectId: 'p', workflow: 'w', args: 'x' })).toMatch(/"args" must be an array/);
  });

  it('names nested fields with their path', () => {
    expect(messageOf('runs.submit', { projectId: 'p', workflow: 'w', args: [], overrides: { memory: 'lots' } })).toMatch(
      /"overrides\.memory" must be a size with its unit, such as 16GB/,
    );
  });

  it('refuses unknown fields, so a typo is not silently ignored', () => {
    expect(messageOf('secrets.set', { projectId: 'p', name: 'HF_TOKEN', value: 'v', vaule: 'x' })).toMatch(/unknown field "vaule"/);
  });

  it('refuses a ".." segment in an artifact prefix', () => {
    expect(messageOf('artifacts.list', { projectId: 'p', source: { runName: 'a-b-1' }, prefix: 'out/../../x' })).toMatch(/"prefix" must not contain a ".." segment/);
  });

  it('refuses secret names that are not variable names', () => {
    expect(messageOf('secrets.set', { projectId: 'p', name: '1TOKEN', value: 'v' })).toMatch(/"name" must be a variable name/);
  });

  it('refuses an unknown operation', () => {
    expect(messageOf('nope.op' as never, {})).toMatch(/Unknown operation "nope.op"/);
  });

  it('carries the bad fields for the UI', () => {
    try {
      validateInput('tags.add', { projectId: 'p' });
    } catch (err) {
      expect((err as { code: string }).code).toBe('invalid_argument');
      expect((err as { details: unknown }).details).toEqual({ fields: ['tag', 'runName'] });
    }
  });
});
