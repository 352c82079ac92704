/**
 * The AWS SDK warns at every start under Node < 22 that its releases after
 * January 2027 will need Node 22. The lockfile pins an SDK that runs on this
 * Node, so at each command the warning tells a user nothing they can act
 * on: every entry point imports this module first to silence it, and
 * `dstack --version` says it once.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The one place the Node version matters to a user, or undefined when it does not. */
export function nodeSupportNote(version = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  return major < 22 ? `Node ${version}: the AWS SDK that dstack pins runs on it; AWS SDK releases after January 2027 need Node 22 or newer.` : undefined;
}
