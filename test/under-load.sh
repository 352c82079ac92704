#!/usr/bin/env bash
# Runs a command while stress-ng keeps every core busy, as on a developer's
# machine that is compiling something else: the integration suite must hold
# there too (every wait asserts what it waited for, none is a sleep). The
# scale tests (a million files, 200,000 log events) are left out of this
# second run: they test sizes, not waits, and already ran once. So is the
# download's garbage-collection count: V8 adds time-driven full collections
# when a download runs slower, so a busy core changes the count, not the code.
set -euo pipefail
workers=$(nproc)
stress-ng --cpu "$workers" --cpu-load 90 --timeout 1800s --quiet &
load=$!
trap 'kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true' EXIT
echo "under load: stress-ng --cpu $workers --cpu-load 90 (pid $load)"
"$@"
