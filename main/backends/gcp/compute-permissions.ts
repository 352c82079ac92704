/**
 * The IAM permissions running jobs on Compute Engine takes, for the setup's
 * pre-flight and the custom role it shows: what the app's credentials call
 * (instances.insert needs one permission per part of the VM it sets: disk,
 * metadata, labels, tags, service account, subnet), and what the VM's own
 * service account needs for its runner (read the bundle and write artifacts,
 * write the job's log, read its secrets, delete its own VM).
 */

/** Every Compute Engine permission the app's credentials use. */
export const GCE_APP_PERMISSIONS = [
  'compute.instances.create',
  'compute.instances.get',
  'compute.instances.list',
  'compute.instances.delete',
  'compute.instances.setMetadata',
  'compute.instances.setLabels',
  'compute.instances.setTags',
  'compute.instances.setServiceAccount',
  'compute.disks.create',
  'compute.disks.setLabels',
  'compute.subnetworks.use',
  'compute.subnetworks.useExternalIp',
  'compute.zoneOperations.get',
  'compute.firewalls.get',
  'compute.firewalls.create',
  'compute.networks.updatePolicy',
  // To start a VM that runs as a service account, on that account.
  'iam.serviceAccounts.actAs',
] as const;

/** What the VMs' service account needs (on the project, or the bucket for storage). */
export const GCE_VM_PERMISSIONS = [
  'storage.objects.get',
  'storage.objects.list',
  'storage.objects.create',
  'storage.objects.delete',
  'logging.logEntries.create',
  'secretmanager.versions.access',
  'compute.instances.delete',
] as const;
