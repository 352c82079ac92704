/**
 * `dstack server` for the GCP wizard spec: Cloud Storage and Resource
 * Manager are the loopback stand-ins, reached through the
 * DSTACK_GCP_*_ENDPOINT variables the app honours. They accept only JWTs
 * signed by the key whose public half the spec passes in
 * DSTACK_TEST_GCP_PUBLIC_KEY, so the wizard's key file really goes through
 * the keychain and signs the calls. DSTACK_TEST_GCP_DENY names one
 * permission the project does not grant.
 */
import { createVerify } from 'node:crypto';
import { ROLE_PERMISSIONS } from '../../main/backends/gcp/role';
import { startGcsStandin } from '../helpers/gcs-standin';
import { startResourceManagerStandin } from '../helpers/resource-manager-standin';

const publicKey = process.env.DSTACK_TEST_GCP_PUBLIC_KEY ?? '';
const project = process.env.DSTACK_TEST_GCP_PROJECT ?? 'dstack-test-project';

function signed(jwt: string): boolean {
  const [head, body, sig] = jwt.split('.');
  if (!head || !body || !sig || !publicKey) return false;
  return createVerify('RSA-SHA256').update(`${head}.${body}`).verify(publicKey, Buffer.from(sig, 'base64url'));
}

const gcs = await startGcsStandin('dstack-test-bucket');
const rm = await startResourceManagerStandin(project);
gcs.verify = signed;
rm.verify = signed;
const deny = process.env.DSTACK_TEST_GCP_DENY;
if (deny) rm.granted = new Set(ROLE_PERMISSIONS.filter((p) => p !== deny));
Object.assign(process.env, { DSTACK_GCP_STORAGE_ENDPOINT: gcs.endpoint, DSTACK_GCP_RESOURCEMANAGER_ENDPOINT: rm.endpoint });

process.once('exit', () => void Promise.all([gcs.stop(), rm.stop()]));
await import('./serve');
