#!/usr/bin/env bash
# The install on a booted Debian 12, as an operator does it (deploy/README.md, section 4):
#   1. builds the .deb from BUILD_DIR (cpack, prefix /usr, stripped);
#   2. makes, or reuses, a clean Debian 12 root cached outside the clone
#      ($TCNS_TEST_CACHE, default /var/cache/tcns-test; debootstrap from the Debian mirror of
#      /etc/apt/sources.list*), and runs on a throw-away overlay of it, so every run is clean;
#   3. installs the package there with apt, boots systemd in it (systemd-nspawn -b, private
#      network) and runs systemctl inside through nsenter;
#   4. checks: enable and start, /healthz and /readyz, the outcome journal's /run/tcns (the
#      service's, kept across restarts), restart after kill -9, the backup
#      timer's service (a 0600 copy), restore refused while running, stop-restore-start, a
#      reboot (the service and the timer come back), the guide's firewall (nftables, ufw),
#      encrypted off-machine backup (age) and /readyz alert commands, a config typo and a database that is not SQLite each
#      ending in a failed unit (exit 3, exit 4: no restart loop, a "permanent error" journal
#      line), and a clean power-off.
# Any failed step exits 1. Exits 0 with "SKIPPED: <reason>" only where this machine cannot run
# systemd-nspawn at all (not root, no systemd-nspawn, no namespaces).
#   deploy/test-install.sh BUILD_DIR
set -euo pipefail

BUILD=${1:?usage: test-install.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
CACHE=${TCNS_TEST_CACHE:-/var/cache/tcns-test}
# Bump when the package lists below change: the cached root is rebuilt under a new name.
ROOT_VERSION=1
BASE=$CACHE/bookworm-v$ROOT_VERSION
# What the server needs (so that installing the .deb downloads nothing) and what the test and
# the guide's commands use (netbase: /etc/protocols, which nft needs, on every real server).
BASE_PKGS=systemd,systemd-sysv,dbus,curl,ca-certificates,sqlite3,adduser,procps,libsqlite3-0,libfmt9,libssl3,libcpp-httplib0.11,libxlsxwriter4
# libtcmalloc-minimal4 (the server's allocator since issue 15) is here rather than in BASE_PKGS so
# that a cached root gains it without a new debootstrap.
EXTRA_PKGS=(netbase nftables ufw age libtcmalloc-minimal4)
T0=$(date +%s)
RUN=""
NSPAWN_PID=""
LEADER=""

# has PATTERN: grep that reads all its input (grep -q exits at the first match, and under
# pipefail the writer's SIGPIPE then fails the pipeline at random).
has() { grep "$@" >/dev/null; }
step() { echo "==> [install $(($(date +%s) - T0)) s] $*"; }
skip() {
    echo "SKIPPED: the install test cannot run here: $*"
    exit 0
}
fail() {
    echo "FAIL: $*" >&2
    if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
        echo "--- systemctl status tcns (in the container) ---" >&2
        in_ct systemctl --no-pager status tcns >&2 || true
        echo "--- journalctl -u tcns (last 30 lines) ---" >&2
        in_ct journalctl --no-pager -u tcns -n 30 >&2 || true
    fi
    [ -n "$RUN" ] && [ -s "$RUN/console.log" ] && tail -15 "$RUN/console.log" | sed 's/^/  console: /' >&2
    exit 1
}

cleanup() {
    declare -F stop_container >/dev/null && { stop_container || true; }
    if [ -n "$RUN" ]; then
        mountpoint -q "$RUN/root" && { umount "$RUN/root" || umount -l "$RUN/root"; }
        rm -rf "$RUN"
    fi
}
trap cleanup EXIT

# --- can this machine run containers at all? --------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "it needs root (systemd-nspawn, mount)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is missing (apt-get install systemd-container)"
command -v debootstrap >/dev/null || skip "debootstrap is missing (apt-get install debootstrap)"
command -v nsenter >/dev/null || skip "nsenter is missing (util-linux)"
unshare --mount --pid --fork --uts --ipc --net true 2>/dev/null ||
    skip "this machine does not allow new namespaces (unshare failed)"

# --- 1. the package ---------------------------------------------------------------------------
step "building the .deb from $BUILD"
cmake --build "$BUILD" --target tcns >/dev/null
DEB_DIR=$BUILD/deb
rm -rf "$DEB_DIR"
mkdir -p "$DEB_DIR"
(cd "$DEB_DIR" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" \
    -D CPACK_PACKAGING_INSTALL_PREFIX=/usr -B "$DEB_DIR" >"$DEB_DIR/cpack.log" 2>&1) ||
    { cat "$DEB_DIR/cpack.log" >&2; fail "cpack failed"; }
DEB=$(ls "$DEB_DIR"/tcns_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || fail "cpack made no .deb"
echo "    $(basename "$DEB"): $(du -k "$DEB" | cut -f1) kB"
MAINTAINER=$(dpkg-deb -f "$DEB" Maintainer)
echo "    Maintainer: $MAINTAINER"
case "$MAINTAINER" in *@localhost*) fail "the .deb's maintainer is a placeholder" ;; esac
CONTENTS=$(dpkg-deb -c "$DEB")
grep -q './usr/share/doc/tcns/copyright$' <<<"$CONTENTS" || fail "the .deb has no copyright file"
grep -q './usr/share/doc/tcns/changelog.Debian.gz$' <<<"$CONTENTS" || fail "the .deb has no changelog"
EXTRACT=$DEB_DIR/extract
dpkg-deb -x "$DEB" "$EXTRACT"
if command -v readelf >/dev/null && readelf -S "$EXTRACT/usr/bin/tcns" | has '\.debug_info'; then
    fail "/usr/bin/tcns in the .deb is not stripped"
fi

# --- 2. the cached clean root -----------------------------------------------------------------
mirror() {  # the Debian mirror this machine uses (deb822 or one-line sources), else Debian's
    local m
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
        2>/dev/null | grep -v '^\s*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' |
        grep -v security | head -1 | tr -d ' ')
    echo "${m:-http://deb.debian.org/debian}"
}
# install_extras DIR: the extra packages into a root (host network), stamped with their list.
install_extras() {
    systemd-nspawn -q -D "$1" --register=no --keep-unit -E DEBIAN_FRONTEND=noninteractive \
        sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${EXTRA_PKGS[*]} && apt-get clean" \
        >"$CACHE/extras.log" 2>&1 || { tail -20 "$CACHE/extras.log" >&2; fail "installing ${EXTRA_PKGS[*]} in the root failed"; }
    echo "${EXTRA_PKGS[*]}" >"$1/.tcns-root-complete"
}
# One maker of the cache at a time (two checkouts testing at once), never while another run
# uses it.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 900 9 || fail "another run held $CACHE/.lock for 15 minutes"
if [ ! -f "$BASE/.tcns-root-complete" ]; then
    MIRROR=$(mirror)
    step "making the cached Debian 12 root $BASE (debootstrap from $MIRROR, once)"
    mkdir -p "$CACHE"
    rm -rf "$BASE.tmp"
    debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$BASE.tmp" "$MIRROR" \
        >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; fail "debootstrap failed"; }
    # Package lists inside, so that apt can fetch a dependency the package gains later.
    printf 'deb %s bookworm main\n' "$MIRROR" >"$BASE.tmp/etc/apt/sources.list"
    echo tcns-test >"$BASE.tmp/etc/hostname"
    install_extras "$BASE.tmp"
    rm -rf "$BASE"
    mv "$BASE.tmp" "$BASE"
elif [ "$(cat "$BASE/.tcns-root-complete")" != "${EXTRA_PKGS[*]}" ]; then
    step "adding ${EXTRA_PKGS[*]} to the cached root $BASE"
    install_extras "$BASE"
else
    step "reusing the cached Debian 12 root $BASE"
fi

# Held shared until the end: nobody changes the cached root under a running overlay.
flock -s 9

# A throw-away overlay over the cached root: the cache stays clean, a run costs no copy.
RUN=$(mktemp -d "${TMPDIR:-/tmp}/tcns-install-run.XXXXXX")
mkdir -p "$RUN/upper" "$RUN/work" "$RUN/root"
if ! mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$RUN/upper,workdir=$RUN/work" \
    "$RUN/root" 2>/dev/null; then
    step "overlayfs unavailable: copying the cached root"
    rmdir "$RUN/root"
    cp -a --reflink=auto "$BASE" "$RUN/root"
fi
ROOT=$RUN/root

# --- 3. install, boot --------------------------------------------------------------------------
step "apt install ./$(basename "$DEB") in the root"
# /var/tmp, as the guide's /tmp: apt's _apt user must read it (nspawn mounts a fresh /tmp).
cp "$DEB" "$ROOT/var/tmp/"
chmod 0644 "$ROOT/var/tmp/$(basename "$DEB")"
systemd-nspawn -q -D "$ROOT" --register=no --keep-unit -E DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q "/var/tmp/$(basename "$DEB")" >"$RUN/apt.log" 2>&1 ||
    { tail -30 "$RUN/apt.log" >&2; fail "apt-get install of the .deb failed"; }
if grep -qiE '^(W|E): |warning' "$RUN/apt.log"; then
    grep -iE '^(W|E): |warning' "$RUN/apt.log" >&2
    fail "installing the .deb printed warnings"
fi

# in_ct CMD…: runs CMD inside the booted container (all its namespaces; root = its root).
in_ct() { nsenter -t "$LEADER" -a "$@"; }

boot() {
    systemd-nspawn -q -D "$ROOT" -b --register=no --keep-unit --private-network \
        -M "tcns-test-$$" >>"$RUN/console.log" 2>&1 </dev/null &
    NSPAWN_PID=$!
    LEADER=""
    for _ in $(seq 1 100); do
        for p in $(pgrep -P "$NSPAWN_PID" 2>/dev/null); do
            [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && LEADER=$p
        done
        [ -n "$LEADER" ] && break
        kill -0 "$NSPAWN_PID" 2>/dev/null || fail "systemd-nspawn exited at boot"
        sleep 0.1
    done
    [ -n "$LEADER" ] || fail "systemd did not start in the container within 10 s"
    # Until systemd has its bus socket, systemctl fails at once; then --wait blocks until the
    # boot ends.
    local state="" until=$(($(date +%s) + 60))
    while [ "$(date +%s)" -lt "$until" ]; do
        state=$(timeout 60 nsenter -t "$LEADER" -a systemctl is-system-running --wait 2>/dev/null) || true
        case "$state" in running | degraded | maintenance | stopping) break ;; esac
        sleep 0.2
    done
    [ "$state" = running ] || {
        in_ct systemctl --no-pager --failed >&2 || true
        fail "the container booted to state '$state', not 'running'"
    }
}

# stop_container [reboot]: poweroff (or reboot) inside, wait for systemd-nspawn to exit.
stop_container() {
    [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null || return 0
    local verb=${1:-poweroff} rc=0
    in_ct systemctl "$verb" >/dev/null 2>&1 || true
    for _ in $(seq 1 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        kill -KILL "$NSPAWN_PID" 2>/dev/null || true
        wait "$NSPAWN_PID" 2>/dev/null || true
        NSPAWN_PID=""
        LEADER=""
        return 1
    fi
    wait "$NSPAWN_PID" || rc=$?
    NSPAWN_PID=""
    LEADER=""
    # systemd-nspawn exits 133 when the container rebooted.
    if [ "$verb" = reboot ]; then [ "$rc" = 133 ]; else [ "$rc" = 0 ]; fi
}

# wait_for SECONDS DESCRIPTION CMD…: retries CMD (inside) every 0.2 s until it succeeds.
wait_for() {
    local limit=$1 what=$2
    shift 2
    local until=$(($(date +%s) + limit))
    while :; do
        in_ct "$@" >/dev/null 2>&1 && return 0
        [ "$(date +%s)" -ge "$until" ] && fail "$what: not within $limit s"
        sleep 0.2
    done
}
prop() { in_ct systemctl show -p "$1" --value "$2"; }
http_code() { in_ct curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:8080$1" || true; }

step "booting systemd in the container"
boot

# --- 4. the checks -----------------------------------------------------------------------------
step "check-config as the service user, then enable --now"
in_ct tcns-admin check-config || fail "tcns-admin check-config failed on the installed defaults"
in_ct systemctl enable --now tcns.service tcns-backup.timer >/dev/null 2>&1 || fail "systemctl enable --now"
wait_for 15 "tcns.service active" systemctl is-active --quiet tcns.service
wait_for 15 "/healthz answers 200" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz
[ "$(http_code /readyz)" = 200 ] || fail "/readyz answered $(http_code /readyz)"
in_ct curl -s --max-time 3 http://127.0.0.1:8080/readyz | has '"status":"ok"' ||
    fail "/readyz body is not ok"
[ "$(in_ct stat -c '%U %a' /var/lib/tcns/tcns.db)" = "tcns 640" ] ||
    fail "the database is $(in_ct stat -c '%U %a' /var/lib/tcns/tcns.db), not owned by tcns with 0640"

step "the outcome journal's directory: /run/tcns, the service's own, kept across restarts"
[ "$(in_ct stat -c '%U %a' /run/tcns)" = "tcns 700" ] ||
    fail "/run/tcns is $(in_ct stat -c '%U %a' /run/tcns 2>&1), not owned by tcns with 0700"
in_ct journalctl -u tcns.service -o cat | grep '"event":"outbox.journal"' | has '"dir":"/run/tcns"' ||
    fail "tcns serve does not keep its outcome journal in /run/tcns"
in_ct journalctl -u tcns.service -o cat | grep -q 'outbox.journal_same_filesystem' &&
    fail "the journal is said to share the database's filesystem"
# A file left there (an outcome journal) must outlive a restart of the service.
in_ct install -o tcns -g tcns -m 0600 /dev/null /run/tcns/keep-test

step "kill -9 of the server: systemd restarts it"
PID1=$(prop MainPID tcns.service)
in_ct kill -9 "$PID1"
wait_for 20 "tcns.service restarted after kill -9" \
    sh -c "[ \"\$(systemctl show -p NRestarts --value tcns.service)\" = 1 ] && systemctl is-active --quiet tcns.service"
wait_for 10 "/healthz after the restart" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz
[ "$(prop MainPID tcns.service)" != "$PID1" ] || fail "the main PID did not change"
in_ct test -e /run/tcns/keep-test || fail "/run/tcns was emptied by the restart after kill -9"

step "the backup timer's service writes a 0600 copy"
[ "$(in_ct systemctl is-active tcns-backup.timer)" = active ] || fail "tcns-backup.timer is not active"
in_ct systemctl start tcns-backup.service || fail "tcns-backup.service failed"
[ "$(prop Result tcns-backup.service)" = success ] || fail "tcns-backup.service result $(prop Result tcns-backup.service)"
TODAY=$(in_ct date +%Y-%m-%d)
BACKUP=/var/lib/tcns/backups/tcns-$TODAY.db
[ "$(in_ct stat -c '%U %a' "$BACKUP" 2>/dev/null)" = "tcns 600" ] ||
    fail "the backup $BACKUP is '$(in_ct stat -c '%U %a' "$BACKUP" 2>&1)', not owned by tcns with 0600"
[ "$(in_ct sqlite3 "$BACKUP" 'PRAGMA quick_check')" = ok ] || fail "the backup does not pass quick_check"

step "restore is refused while the service runs"
if in_ct tcns-admin restore "$BACKUP" >"$RUN/restore.out" 2>&1; then
    fail "restore succeeded while the server ran"
fi
grep -qi 'running\|refus' "$RUN/restore.out" || { cat "$RUN/restore.out" >&2; fail "restore's refusal does not say why"; }

step "stop, restore, start"
in_ct systemctl stop tcns.service
in_ct tcns-admin restore "$BACKUP" >"$RUN/restore.out" 2>&1 || { cat "$RUN/restore.out" >&2; fail "restore after stop failed"; }
[ "$(in_ct stat -c '%U %a' /var/lib/tcns/tcns.db)" = "tcns 640" ] ||
    fail "the restored database is $(in_ct stat -c '%U %a' /var/lib/tcns/tcns.db)"
in_ct systemctl start tcns.service || fail "start after restore"
wait_for 15 "/healthz after restore" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz
in_ct test -e /run/tcns/keep-test || fail "/run/tcns was emptied by systemctl stop and start"
in_ct rm -f /run/tcns/keep-test

step "the guide's off-machine backup: encrypt with age for a recipient file, decrypt, compare"
# deploy/README.md section 12: the key pair is made off the server; only the public key is here.
in_ct sh -c 'age-keygen -o /root/backup-key.txt 2>/dev/null &&
    age-keygen -y /root/backup-key.txt > /etc/tcns/backup-recipient.txt &&
    age -R /etc/tcns/backup-recipient.txt -o /var/tmp/b.db.age '"$BACKUP"' &&
    age -d -i /root/backup-key.txt -o /root/check.db /var/tmp/b.db.age &&
    cmp /root/check.db '"$BACKUP" || fail "encrypting the backup with age as the guide does"

# guide_script PATH: the script the guide writes with `sudo tee PATH >/dev/null <<'EOF'`.
guide_script() {
    awk -v path="$1" '
        index($0, "sudo tee " path " >/dev/null <<\047EOF\047") { on = 1; next }
        on && $0 ~ /^ *EOF$/ { exit }
        on { print }' "$(dirname "$0")/README.md" | sed 's/^   //'
}

step "the guide's /readyz alert script: silent when ready, a journal line when not"
guide_script /usr/local/sbin/tcns-readyz-alert >"$ROOT/usr/local/sbin/tcns-readyz-alert"
chmod 0755 "$ROOT/usr/local/sbin/tcns-readyz-alert"
[ -s "$ROOT/usr/local/sbin/tcns-readyz-alert" ] || fail "the guide has no tcns-readyz-alert script"
in_ct /usr/local/sbin/tcns-readyz-alert || fail "tcns-readyz-alert failed"
in_ct journalctl --no-pager -t tcns-alert -q | has . && fail "tcns-readyz-alert alerted while ready"
in_ct systemctl stop tcns.service
in_ct /usr/local/sbin/tcns-readyz-alert || true
in_ct systemctl start tcns.service
wait_for 5 "the alert in the journal" sh -c 'journalctl --no-pager -t tcns-alert -q | grep -q "tcns /readyz 000"'
wait_for 15 "/healthz after the alert test" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz

step "the guide's firewall (nftables)"
in_ct nft -c -f /usr/share/tcns/deploy/nftables.conf || fail "nft -c rejects deploy/nftables.conf"
in_ct nft -f /usr/share/tcns/deploy/nftables.conf || fail "nft -f deploy/nftables.conf"
in_ct nft list chain inet filter input | has 'tcp dport { 22, 80, 443 } accept' ||
    fail "the firewall does not let 22, 80 and 443 in"
[ "$(http_code /healthz)" = 200 ] || fail "the firewall blocks loopback"

step "the guide's firewall (ufw, the Docker-host alternative)"
in_ct nft flush ruleset
in_ct sh -c 'ufw default deny incoming && ufw default allow outgoing &&
    ufw allow 22/tcp && ufw allow 80,443/tcp && ufw --force enable' >/dev/null ||
    fail "the guide's ufw commands"
in_ct ufw status verbose | has '80,443/tcp *ALLOW IN' || fail "ufw does not let 80 and 443 in"
[ "$(http_code /healthz)" = 200 ] || fail "ufw blocks loopback"
in_ct ufw --force disable >/dev/null

step "reboot: the service and the timer come back"
stop_container reboot || fail "the container did not reboot cleanly"
boot
wait_for 20 "tcns.service active after the reboot" systemctl is-active --quiet tcns.service
[ "$(in_ct systemctl is-active tcns-backup.timer)" = active ] || fail "tcns-backup.timer after the reboot"
wait_for 10 "/healthz after the reboot" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz

step "a config typo ends in a failed unit, not a restart loop"
in_ct sed -i 's/"port"/"prot"/' /etc/tcns/config.json
in_ct systemctl restart tcns.service >/dev/null 2>&1 || true
wait_for 15 "tcns.service failed" systemctl is-failed --quiet tcns.service
sleep 6  # longer than RestartSec=5s: a restart would have happened by now
[ "$(in_ct systemctl is-failed tcns.service)" = failed ] || fail "tcns.service is $(in_ct systemctl is-active tcns.service) after a config typo"
[ "$(prop NRestarts tcns.service)" = 0 ] || fail "systemd restarted tcns $(prop NRestarts tcns.service) times after a config typo"
[ "$(prop ExecMainStatus tcns.service)" = 3 ] || fail "exit status $(prop ExecMainStatus tcns.service), not 3"
in_ct journalctl --no-pager -u tcns.service | has 'unknown key "prot"' ||
    fail "the journal does not name the typo"
in_ct journalctl --no-pager -u tcns.service | has 'permanent error (exit 3)' ||
    fail "the journal has no line saying the error is permanent"
in_ct sed -i 's/"prot"/"port"/' /etc/tcns/config.json
in_ct systemctl restart tcns.service || fail "start after fixing the typo"
wait_for 15 "/healthz after fixing the typo" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz

step "a database that is not SQLite ends in a failed unit (exit 4), not a restart loop"
[ "$(prop RestartPreventExitStatus tcns.service)" = "2 3 4" ] ||
    fail "RestartPreventExitStatus is '$(prop RestartPreventExitStatus tcns.service)'"
[ "$(prop StartLimitBurst tcns.service)" = 5 ] || fail "StartLimitBurst is $(prop StartLimitBurst tcns.service)"
in_ct systemctl stop tcns.service
in_ct cp -a /var/lib/tcns/tcns.db /var/lib/tcns/keep.db
in_ct sh -c 'printf "this is not a database, it is a spreadsheet" | dd of=/var/lib/tcns/tcns.db conv=notrunc status=none'
in_ct systemctl start tcns.service >/dev/null 2>&1 || true
wait_for 15 "tcns.service failed on a broken database" systemctl is-failed --quiet tcns.service
sleep 6  # longer than RestartSec=5s
[ "$(prop NRestarts tcns.service)" = 0 ] || fail "systemd restarted tcns on a broken database"
[ "$(prop ExecMainStatus tcns.service)" = 4 ] || fail "exit status $(prop ExecMainStatus tcns.service), not 4"
in_ct journalctl --no-pager -u tcns.service | has 'permanent error (exit 4)' ||
    fail "the journal has no line saying the database error is permanent"
in_ct mv /var/lib/tcns/keep.db /var/lib/tcns/tcns.db
in_ct systemctl reset-failed tcns.service
in_ct systemctl start tcns.service || fail "start after putting the database back"
wait_for 15 "/healthz with the database back" curl -fsS --max-time 2 http://127.0.0.1:8080/healthz

step "power off"
stop_container poweroff || fail "the container did not power off cleanly"
step "install test passed in $(($(date +%s) - T0)) s"
