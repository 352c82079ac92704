import { describe, expect, it } from 'vitest';
import { instanceBody, instanceName, labelValue } from '../../../main/backends/gcp/compute-instance';
import { chooseMachine } from '../../../main/backends/gcp/compute-machines';
import type { Job } from '../../../main/common/job';

const job = { id: 'Grumpy-Zebra-1,train,0', runName: 'Grumpy-Zebra-1', repo: 'github.com/acme/mnist', ports: 0, resources: { interruptible: false } } as Job;

function body(over: Partial<Job>) {
  const j = { ...job, ...over };
  const { offer, machine } = chooseMachine(j.resources, 'us-central1');
  return instanceBody({ job: j, project: 'p', bucket: 'Dstack.Bucket', zone: 'us-central1-a', offer, machine, startupScript: '#!/bin/bash' });
}

describe('the instances.insert body', () => {
  it('names the VM by bucket, repo and job, in Compute Engine\'s name syntax, and labels it within label syntax', () => {
    const name = instanceName('b', job.repo, job.id);
    expect(name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(instanceName('b', job.repo, job.id)).toBe(name);
    expect(instanceName('b', job.repo, `${job.id}x`)).not.toBe(name);
    expect(instanceName('b2', job.repo, job.id)).not.toBe(name);
    expect(body({}).labels).toMatchObject({ dstack_bucket: 'dstack_bucket', dstack_job: 'grumpy-zebra-1_train_0', dstack_run: 'grumpy-zebra-1' });
    expect(labelValue('x'.repeat(100))).toHaveLength(63);
  });

  it('keeps maxRunDuration within the 120 days Compute Engine allows, ten minutes past the job\'s limit', () => {
    expect(body({ maxDurationSec: 3600 }).scheduling).toMatchObject({ maxRunDuration: { seconds: '4200' }, instanceTerminationAction: 'DELETE' });
    expect(body({ maxDurationSec: 200 * 86_400 }).scheduling).toMatchObject({ maxRunDuration: { seconds: String(120 * 86_400) } });
  });
});
