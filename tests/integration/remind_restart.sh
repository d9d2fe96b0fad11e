#!/bin/sh
# Black-box: a `tcns remind` killed in the middle of a reminder tick, then two processes ticking at
# once, leave every due reminder in the outbox exactly once (a dry run finds nothing new).
# Usage: remind_restart.sh TCNS_BINARY SOURCE_DIR
set -eu
TCNS=$1
SRC=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
DB="$DIR/t.db"
"$TCNS" --db "$DB" import units "$SRC/deploy/samples/dong-nai-units-2025-03.csv" >/dev/null
"$TCNS" --db "$DB" demo seed >/dev/null

AT=2026-11-25T08:00
"$TCNS" --db "$DB" remind --at "$AT" >/dev/null 2>&1 &
PID=$!
sleep 0.1
kill -9 "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true

"$TCNS" --db "$DB" remind --at "$AT" >"$DIR/a" 2>/dev/null &
A=$!
"$TCNS" --db "$DB" remind --at 2026-11-25T08:01 >"$DIR/b" 2>/dev/null &
B=$!
wait "$A"
wait "$B"

"$TCNS" --db "$DB" remind --dry-run --at 2026-11-25T09:00 >"$DIR/c" 2>/dev/null
due=$(head -n 1 "$DIR/c" | sed -n 's/.*: \([0-9][0-9]*\) message(s) due/\1/p')
if [ -z "$due" ] || [ "$due" -eq 0 ]; then
    echo "no reminders due at $AT"; head -n 3 "$DIR/c"; exit 1
fi
if ! grep -q "^nothing written: 0 new, $due already in the outbox" "$DIR/c"; then
    echo "after the restarts some reminders are missing:"; tail -n 1 "$DIR/c"; exit 1
fi
echo "$due messages due, each queued once"
