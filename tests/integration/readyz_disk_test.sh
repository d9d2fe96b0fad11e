#!/usr/bin/env bash
# /readyz under a full and a read-only disk: the database lives on a small tmpfs mounted here
# (root only). The readiness check must answer 503 naming the disk within 5 s of the disk
# filling, and 200 again within 5 s of space being freed; then 503 naming the database within
# 5 s of its filesystem (a loop-mounted ext4) turning read-only.
# Exits 77 (CTest: skipped) with the reason where a tmpfs cannot be mounted.
#   readyz_disk_test.sh TCNS_BINARY
set -euo pipefail

BIN=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcns-readyz-test.XXXXXX")
MNT=$TMP/disk
PID=""
MOUNTED=""
EXT4_MOUNTED=""

cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    if [ -n "$MOUNTED" ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" || true; fi
    if [ -n "$EXT4_MOUNTED" ]; then umount "$EXT4" 2>/dev/null || umount -l "$EXT4" || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    [ -s "$TMP/serve.err" ] && tail -20 "$TMP/serve.err" | sed 's/^/  serve stderr: /' >&2
    exit 1
}

mkdir -p "$MNT"
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: mounting a tmpfs needs root (run as root to test /readyz on a full disk)"
    exit 77
fi
if ! mount -t tmpfs -o size=24m,mode=0755 tcns-readyz "$MNT" 2>"$TMP/mount.err"; then
    echo "SKIPPED: cannot mount a tmpfs here: $(cat "$TMP/mount.err")"
    exit 77
fi
MOUNTED=1

unset TCNS_DB TCNS_VIBER_TOKEN TCNS_ZALO_APP_ID TCNS_ZALO_OA_SECRET TCNS_ZALO_APP_SECRET

# start_server DIR: serves with the database in DIR on a free port; sets PID, PORT and URL.
start_server() {
    cat >"$TMP/config.json" <<JSON
{
    "database": "$1/tcns.db",
    "server": {"listen": "127.0.0.1", "port": 0},
    "health": {"min_free_disk_mb": 4}
}
JSON
    TCNS_CONFIG=$TMP/config.json "$BIN" serve >"$TMP/serve.out" 2>"$TMP/serve.err" &
    PID=$!
    PORT=""
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's#^tcns listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$TMP/serve.out")
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || fail "the server exited at start"
        sleep 0.1
    done
    [ -n "$PORT" ] || fail "the server did not listen within 10 s"
    URL=http://127.0.0.1:$PORT/readyz
}

stop_server() {
    kill -TERM "$PID"
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && fail "the server did not stop within 10 s of SIGTERM"
    wait "$PID" 2>/dev/null || true
    PID=""
}

start_server "$MNT"

# readyz_within SECONDS CODE: polls /readyz until it answers CODE; prints the elapsed time.
readyz_within() {
    local limit=$1 want=$2 start now code
    start=$(date +%s%N)
    while :; do
        code=$(curl -s -o "$TMP/readyz.json" -w '%{http_code}' --max-time 2 "$URL") || code=000
        now=$(date +%s%N)
        if [ "$code" = "$want" ]; then
            echo "    /readyz $want after $(((now - start) / 1000000)) ms: $(cat "$TMP/readyz.json")"
            return 0
        fi
        [ $(((now - start) / 1000000)) -ge $((limit * 1000)) ] && break
        sleep 0.2
    done
    fail "/readyz did not answer $want within $limit s (last $code: $(cat "$TMP/readyz.json"))"
}

echo "==> ready on an empty tmpfs"
readyz_within 5 200
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/healthz") || true
[ "$code" = 200 ] || fail "/healthz answered $code"

echo "==> the disk fills"
dd if=/dev/zero of="$MNT/filler" bs=1M 2>/dev/null || true  # stops at ENOSPC
readyz_within 5 503
grep -q '"disk"' "$TMP/readyz.json" || fail "the 503 body does not name the disk"
# Liveness stays 200: the process is alive, restarting it would not free the disk.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/healthz") || true
echo "    /healthz while full: $code"

echo "==> space is freed"
rm -f "$MNT/filler"
readyz_within 5 200

kill -0 "$PID" 2>/dev/null || fail "the server died while the disk was full"
stop_server

# A filesystem with open files cannot be remounted read-only (EBUSY); ext4's `abort` makes it
# read-only under them, as the kernel does after an I/O error with errors=remount-ro.
echo "==> the filesystem turns read-only under the server (loop-mounted ext4, aborted)"
EXT4=$TMP/ext4
mkdir -p "$EXT4"
truncate -s 64M "$TMP/ext4.img"
if ! mkfs.ext4 -q -F "$TMP/ext4.img" >/dev/null 2>&1 ||
    ! mount -o loop,errors=remount-ro "$TMP/ext4.img" "$EXT4" 2>"$TMP/mount.err"; then
    echo "SKIPPED (read-only part only): cannot loop-mount ext4 here: $(cat "$TMP/mount.err" 2>/dev/null)"
    echo "readyz disk test passed (full disk)"
    exit 0
fi
EXT4_MOUNTED=1
start_server "$EXT4"
readyz_within 5 200
mount -o remount,abort "$EXT4" || fail "cannot abort the ext4 filesystem"
readyz_within 5 503
grep -q '"database"' "$TMP/readyz.json" || fail "the 503 body does not name the database"
kill -0 "$PID" 2>/dev/null || fail "the server died on the read-only filesystem"
stop_server
echo "readyz disk test passed"
