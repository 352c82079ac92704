/**
 * The Node.js a cloud machine's bootstrap installs for the runner bundle,
 * shared by every backend's bootstrap (EC2 UserData, the GCE startup
 * script), so both clouds run the runner on the same Node.
 */

/**
 * Node.js the bootstrap installs when the image has none, or one below
 * {@link MIN_NODE}: a Node 22 LTS, which satisfies our `engines` and the AWS
 * SDK releases after January 2027 alike.
 */
export const NODE_VERSION = '22.20.0';

/** The oldest Node the runner supports: package.json's `engines` (>=20.19). */
export const MIN_NODE = { major: 20, minor: 19 };
