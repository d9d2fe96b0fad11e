#!/usr/bin/env bash
# Black-box test of an installation: `cmake --install` into a temporary prefix, then the
# installed binary with the sample production config on a free loopback port: /healthz, a
# backup while it serves, restore refused while it serves, SIGTERM and a clean exit, restore
# after it stopped; the backup script's rotation; tcns-admin; systemd-analyze verify on the
# installed units when systemd-analyze exists. Every wait is bounded.
#   install_test.sh BUILD_DIR
set -euo pipefail

BUILD=$1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcns-install-test.XXXXXX")
PREFIX=$TMP/prefix
PID=""

cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$TMP/serve.err" ]; then sed 's/^/  serve stderr: /' "$TMP/serve.err" >&2; fi
    exit 1
}
step() { echo "==> $*"; }

step "cmake --install into $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 ||
    { cat "$TMP/install.log" >&2; fail "cmake --install failed"; }
for f in bin/tcns bin/tcns-admin libexec/tcns/tcns-backup.sh \
    share/tcns/templates/messages.vi.json share/tcns/templates/forms/monthly-report.json \
    share/tcns/templates/words.vi.json \
    share/tcns/deploy/config.sample.json share/tcns/deploy/tcns.env.sample \
    share/tcns/deploy/nginx/tcns.conf share/tcns/deploy/Dockerfile \
    lib/systemd/system/tcns.service lib/systemd/system/tcns-backup.service \
    lib/systemd/system/tcns-backup.timer share/doc/tcns/README.md; do
    [ -e "$PREFIX/$f" ] || fail "the installation lacks $f"
done
[ -x "$PREFIX/bin/tcns-admin" ] || fail "tcns-admin is not executable"
grep -q "^ExecStart=$PREFIX/bin/tcns serve\$" "$PREFIX/lib/systemd/system/tcns.service" ||
    fail "tcns.service does not run the installed binary"

BIN=$PREFIX/bin/tcns
mkdir -p "$TMP/var"
# The environment of the service: sample config, fake secrets (both channels are enabled in
# the sample), the database in the temporary directory. No source-tree templates.
unset TCNS_TEMPLATES
export TCNS_CONFIG=$PREFIX/share/tcns/deploy/config.sample.json
export TCNS_DB=$TMP/var/tcns.db
export TCNS_VIBER_TOKEN=test-viber-token TCNS_ZALO_APP_ID=1234 TCNS_ZALO_OA_SECRET=test-oa-secret
export TCNS_ZALO_APP_SECRET=test-app-secret TCNS_ADMIN_TOKEN=test-admin-token-0123456789abcdef-0123
cd "$TMP"

step "check-config with the sample config and the installed templates"
"$BIN" check-config >"$TMP/check.out" 2>&1 || { cat "$TMP/check.out" >&2; fail "check-config"; }
grep -q "from $PREFIX/share/tcns/templates" "$TMP/check.out" ||
    { cat "$TMP/check.out" >&2; fail "the installed binary does not use the installed templates"; }

step "serve on a free loopback port"
# --port 0: the kernel picks a free port; the server prints the one it bound.
"$BIN" serve --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
PORT=""
for _ in $(seq 1 100); do
    PORT=$(sed -n 's#^tcns listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$TMP/serve.out")
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
done
[ -n "$PORT" ] || fail "the server did not listen within 10 s"
BASE=http://127.0.0.1:$PORT

code=$(curl -s -o "$TMP/healthz.json" -w '%{http_code}' --max-time 5 "$BASE/healthz") || true
[ "$code" = 200 ] || fail "/healthz answered $code"
grep -q '"status":"ok"' "$TMP/healthz.json" || fail "/healthz body: $(cat "$TMP/healthz.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/") || true
[ "$code" = 200 ] || fail "GET / answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/no/such/path") || true
[ "$code" = 404 ] || fail "an unknown path answered $code"

step "backup while the server runs"
"$BIN" backup "$TMP/backups/manual.db" >"$TMP/backup.out" 2>&1 ||
    { cat "$TMP/backup.out" >&2; fail "backup while serving"; }
grep -q "integrity ok" "$TMP/backup.out" || fail "backup output: $(cat "$TMP/backup.out")"
[ "$(od -An -tu1 -j18 -N2 "$TMP/backups/manual.db" | tr -s ' ')" = " 1 1" ] ||
    fail "the backup is not a self-contained rollback-journal file"

step "the backup script writes today's copy and removes old ones"
mkdir -p "$TMP/backups"
touch -d '40 days ago' "$TMP/backups/tcns-2000-01-01.db"
touch -d '2 days ago' "$TMP/backups/tcns-2000-01-02.db"
TCNS_BIN=$BIN TCNS_BACKUP_DIR=$TMP/backups TCNS_BACKUP_KEEP_DAYS=14 \
    "$PREFIX/libexec/tcns/tcns-backup.sh" >"$TMP/backup-script.out" 2>&1 ||
    { cat "$TMP/backup-script.out" >&2; fail "tcns-backup.sh"; }
[ -f "$TMP/backups/tcns-$(date +%Y-%m-%d).db" ] || fail "tcns-backup.sh wrote no dated copy"
[ ! -e "$TMP/backups/tcns-2000-01-01.db" ] || fail "tcns-backup.sh kept a 40-day-old backup"
[ -e "$TMP/backups/tcns-2000-01-02.db" ] || fail "tcns-backup.sh removed a recent backup"
[ -e "$TMP/backups/manual.db" ] || fail "tcns-backup.sh removed a file it does not own"

step "restore is refused while the server runs"
if "$BIN" restore "$TMP/backups/manual.db" >"$TMP/restore1.out" 2>&1; then
    fail "restore ran while the server was running"
fi
grep -q "a server is running" "$TMP/restore1.out" || fail "restore: $(cat "$TMP/restore1.out")"

step "tcns-admin runs tcns with the environment file"
# shellcheck disable=SC2016 # a secret with shell characters must pass through verbatim
printf '# comment\nTCNS_ADMIN_TOKEN=a$b`c-0123456789abcdef0123456789abcdef\n' >"$TMP/admin.env"
TCNS_BIN=$BIN TCNS_USER=$(id -un) TCNS_ENV_FILE=$TMP/admin.env \
    "$PREFIX/bin/tcns-admin" check-config >"$TMP/admin.out" 2>&1 ||
    { cat "$TMP/admin.out" >&2; fail "tcns-admin check-config"; }

step "SIGTERM stops the server cleanly"
kill -TERM "$PID"
rc=""
for _ in $(seq 1 100); do
    if ! kill -0 "$PID" 2>/dev/null; then
        rc=0
        wait "$PID" || rc=$?
        break
    fi
    sleep 0.1
done
[ -n "$rc" ] || fail "the server did not stop within 10 s of SIGTERM"
PID=""
[ "$rc" = 0 ] || fail "the server exited with $rc after SIGTERM"
grep -q '"event":"server.stopped"' "$TMP/serve.err" || fail "no server.stopped log line"
# Keys are written in alphabetical order.
grep -q '"event":"http.request".*"path":"/healthz".*"status":200' "$TMP/serve.err" ||
    fail "no request log line for /healthz"
if grep -q -e test-viber-token -e test-oa-secret -e test-app-secret -e test-admin-token \
    "$TMP/serve.err"; then
    fail "a secret appears in the log"
fi

step "restore after the server stopped"
"$BIN" restore "$TMP/backups/manual.db" >"$TMP/restore2.out" 2>&1 ||
    { cat "$TMP/restore2.out" >&2; fail "restore"; }
kept=("$TMP"/var/tcns.db.before-restore-*)
[ -f "${kept[0]}" ] || fail "the old database was not kept"
"$BIN" migrate >/dev/null 2>&1 || fail "the restored database does not open"

if command -v systemd-analyze >/dev/null 2>&1; then
    step "systemd-analyze verify on the installed units"
    (cd "$PREFIX/lib/systemd/system" &&
        timeout 60 systemd-analyze verify tcns.service tcns-backup.service tcns-backup.timer) \
        >"$TMP/verify.out" 2>&1 || { cat "$TMP/verify.out" >&2; fail "systemd-analyze verify"; }
    if grep -qi -e "unknown" -e "ignoring" "$TMP/verify.out"; then
        cat "$TMP/verify.out" >&2
        fail "systemd-analyze verify reports problems"
    fi
else
    echo "(systemd-analyze not installed: unit files not verified)"
fi
echo "OK"
