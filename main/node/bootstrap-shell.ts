/**
 * The bash steps every cloud machine's bootstrap shares (EC2 UserData, the
 * GCE startup script): quoting, installing Node when the image has none new
 * enough, and starting the runner bundle. One copy, so both clouds check,
 * install and start the runner alike; each backend keeps only how it
 * fetches the bundle and how the machine ends.
 */
import { MIN_NODE } from './runner-node';

/** Quotes a value for bash: single quotes, with embedded quotes closed and escaped. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `have_node` and `install_node`: a Node of at least {@link MIN_NODE}, or
 * `$DSTACK_NODE_VERSION` from nodejs.org, checked against its SHASUMS256.
 */
export const INSTALL_NODE_SHELL = String.raw`have_node() {
  command -v node >/dev/null 2>&1 && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > ${MIN_NODE.major} || (a === ${MIN_NODE.major} && b >= ${MIN_NODE.minor}) ? 0 : 1)'
}

install_node() {
  have_node && return 0
  echo "dstack bootstrap: installing Node.js $DSTACK_NODE_VERSION"
  local base="https://nodejs.org/dist/v$DSTACK_NODE_VERSION"
  local file="node-v$DSTACK_NODE_VERSION-linux-x64.tar.xz"
  curl -fsSL --retry 5 -o "$file" "$base/$file"
  curl -fsSL --retry 5 "$base/SHASUMS256.txt" | grep " $file\$" | sha256sum -c -
  tar -xJf "$file" -C /usr/local --strip-components=1
  rm -f "$file"
}`;

/** Runs the fetched `runner.mjs` for the job the bootstrap's variables name. */
export const START_RUNNER_SHELL = 'node runner.mjs --config "$DSTACK_CONFIG" --repo "$DSTACK_REPO" --job "$DSTACK_JOB" --executor "$DSTACK_EXECUTOR"';
