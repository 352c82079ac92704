#!/usr/bin/env bash
# Runs a command with an unlocked Secret Service keyring, so keytar works
# headless. Inside an existing desktop session (a D-Bus session bus is already
# there) it runs the command as it is.
set -euo pipefail
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || ! command -v dbus-run-session >/dev/null; then
  exec "$@"
fi
export XDG_DATA_HOME
XDG_DATA_HOME="$(mktemp -d)"
exec dbus-run-session -- bash -c 'printf "dstack-test\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' keyring "$@"
