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
    expect(messageOf('runs.stop', { projectId: 'p', abort: true })).toBe('Run is required.');
  });

  it('names a field of the wrong type', () => {
    expect(messageOf('runs.submit', { projectId: 'p', workflow: 'w', args: 'x' })).toBe('Arguments must be a list.');
  });

  it('names nested fields with their path', () => {
    expect(messageOf('runs.submit', { projectId: 'p', workflow: 'w', args: [], overrides: { memory: 'lots' } })).toBe('Memory must be a size such as 16GB or 512MB.');
  });

  it('names a GCP network that Compute Engine would refuse, before anything is saved', () => {
    const save = { credentials: { adc: true }, project: 'my-project-123', region: 'us-central1', zone: 'us-central1-a', bucket: 'b' };
    expect(validateInput('gcp.save', { ...save, network: 'ml-vpc', subnet: 'ml-central' })).toMatchObject({ network: 'ml-vpc', subnet: 'ml-central' });
    expect(messageOf('gcp.save', { ...save, network: 'ML VPC' })).toMatch(/must be a network name such as default/);
  });

  it('refuses unknown fields, so a typo is not silently ignored', () => {
    expect(messageOf('secrets.set', { projectId: 'p', name: 'HF_TOKEN', value: 'v', vaule: 'x' })).toBe('The request has an unknown field "vaule".');
  });

  it('refuses a ".." segment in an artifact prefix', () => {
    expect(messageOf('artifacts.list', { projectId: 'p', source: { runName: 'a-b-1' }, prefix: 'out/../../x' })).toBe('Folder must not contain a ".." segment.');
  });

  it('refuses secret names that are not variable names', () => {
    expect(messageOf('secrets.set', { projectId: 'p', name: '1TOKEN', value: 'v' })).toBe('Secret name must be a variable name such as HF_TOKEN: letters, digits and underscores, not starting with a digit.');
  });

  it('names access keys by their labels, in the same words the wizard shows as the user types', () => {
    expect(messageOf('aws.saveKeys', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'short' })).toBe(
      'Secret access key must be 40 characters (letters, digits, / + =); this one has 5.',
    );
    expect(messageOf('aws.saveKeys', { accessKeyId: 'akia', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })).toBe(
      'Access key ID must be 20 letters and digits starting with AKIA, as IAM shows it.',
    );
  });

  it('never shows the operation name or schema wording', () => {
    const messages = [
      messageOf('runs.submit', { projectId: 'p', workflow: '', args: [], overrides: { cpu: -1, memory: '8 gigs' } }),
      messageOf('tags.add', { projectId: 'p', tag: 'v 1', runName: 'a-b-1' }),
      messageOf('aws.saveKeys', { accessKeyId: '', secretAccessKey: '' }),
    ];
    expect(messages[0]).toBe('Workflow is required. CPUs must be more than 0. Memory must be a size such as 16GB or 512MB.');
    expect(messages[1]).toBe('Tag name may use only letters, digits, dots, dashes and underscores (up to 128).');
    for (const m of messages) expect(m).not.toMatch(/Invalid argument|runs\.submit|tags\.add|aws\.saveKeys|too small|"overrides|expected/);
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
