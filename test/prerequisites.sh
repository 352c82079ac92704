#!/usr/bin/env bash
# The first step of `npm test`: the Debian packages the tests need besides
# npm's (a Secret Service for keytar, Chromium for the browser tests, rclone
# as the benchmarks' reference S3 client, Postgres for the hub, stress-ng for
# the run under load). As root with apt it installs what is missing; otherwise
# it stops at once with the one line to run, so a fresh machine needs nothing
# but the README's two commands.
set -euo pipefail
cd "$(dirname "$0")/.."

# package → a file (or glob) that package installs
declare -A needs=(
  [libsecret-1-dev]=/usr/include/libsecret-1/libsecret/secret.h
  [gnome-keyring]=/usr/bin/gnome-keyring-daemon
  [dbus]=/usr/bin/dbus-run-session
  [dbus-x11]=/usr/bin/dbus-launch
  [chromium]=/usr/bin/chromium
  [rclone]=/usr/bin/rclone
  [postgresql]='/usr/lib/postgresql/*/bin/initdb'
  [stress-ng]=/usr/bin/stress-ng
  [make]=/usr/bin/make
  [g++]=/usr/bin/g++
  [python3]=/usr/bin/python3
)
missing=()
for pkg in "${!needs[@]}"; do
  compgen -G "${needs[$pkg]}" >/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "npm test: installing the Debian packages the tests need: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "npm test needs these Debian packages: ${missing[*]}. Run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# keytar compiles against libsecret at install time; when npm install ran
# before libsecret was there, keytar (an optional dependency, so that install
# still succeeded) is missing or unbuilt: build it now.
if [ ! -e node_modules/keytar/build/Release/keytar.node ]; then
  echo "npm test: building keytar against libsecret"
  if [ -d node_modules/keytar ]; then
    npm rebuild keytar >/dev/null
  else
    npm install --no-save --no-audit --no-fund "keytar@$(node -p "require('./package-lock.json').packages['node_modules/keytar'].version")" >/dev/null
  fi
fi
