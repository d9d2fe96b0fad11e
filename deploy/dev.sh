#!/usr/bin/env bash
# The two developer commands of the README, for a fresh Debian 12 machine (run as root, or as a
# user with sudo):
#   deploy/dev.sh run    install what is missing, build, prepare the demo database, serve
#   deploy/dev.sh test   install what is missing, build, run the whole test suite under CTest
# Both are idempotent: packages already installed, an up-to-date build and an existing demo
# database are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${TCNS_BUILD_DIR:-$ROOT/build}
VAR=${TCNS_VAR_DIR:-$ROOT/var}

BUILD_PKGS=(g++ cmake ninja-build pkg-config libcpp-httplib-dev libsqlitecpp-dev libsqlite3-dev libboost1.81-dev
            nlohmann-json3-dev libfmt-dev libssl-dev libxlsxwriter-dev libgoogle-perftools-dev catch2
            sqlite3 curl)
# chromium: the admin page's browser test (tests/integration). clang and libclang-rt-14-dev:
# the fuzz build; libclang-rt-14-dev holds the libFuzzer and sanitizer runtimes on Debian 12 and
# is only a Recommends of clang's packages, which install_missing skips. debootstrap and
# systemd-container: the install test on a booted Debian 12 (deploy/test-install.sh).
# libreoffice-calc-nogui (headless Calc, no GUI), unzip: the XLSX round-trip test;
# poppler-utils: pdftoppm for the quarterly workbook's screenshot in the docs.
# nginx-light: the smuggling suite runs its probes once through the shipped nginx site.
TEST_PKGS=(chromium clang libclang-rt-14-dev debootstrap systemd-container libreoffice-calc-nogui
           unzip poppler-utils nginx-light)

usage() { echo "usage: $0 run|test" >&2; exit 2; }

install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing: ${missing[*]}"
    local SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

build() {  # [target…]: everything by default
    if [ ! -f "$BUILD/build.ninja" ]; then
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
    fi
    local targets=()
    for t in "$@"; do targets+=(--target "$t"); done
    cmake --build "$BUILD" ${targets[@]+"${targets[@]}"} -- -j"$(nproc)"
}

case "${1:-}" in
    run)
        install_missing "${BUILD_PKGS[@]}"
        build tcns  # the server only: the tests are built by `test`
        mkdir -p "$VAR"
        DB="$VAR/tcns.db"
        if [ ! -f "$DB" ]; then
            echo "==> preparing the demo database $DB"
            "$BUILD/bot/tcns" --db "$DB.tmp" migrate
            "$BUILD/bot/tcns" --db "$DB.tmp" import units deploy/samples/dong-nai-units-2025-03.csv
            "$BUILD/bot/tcns" --db "$DB.tmp" demo seed
            "$BUILD/bot/tcns" --db "$DB.tmp" demo history
            mv "$DB.tmp" "$DB"
            rm -f "$DB.tmp-wal" "$DB.tmp-shm"
        fi
        "$BUILD/bot/tcns" --db "$DB" demo hint || true
        # The admin page needs a token: a random one kept in var/admin-token unless given.
        TOKEN_FROM="\$TCNS_ADMIN_TOKEN"
        if [ -z "${TCNS_ADMIN_TOKEN:-}" ]; then
            if [ ! -s "$VAR/admin-token" ]; then
                (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$VAR/admin-token")
            fi
            TCNS_ADMIN_TOKEN=$(cat "$VAR/admin-token")
            export TCNS_ADMIN_TOKEN
            TOKEN_FROM="the token in $VAR/admin-token"
        fi
        echo
        echo "Admin page: http://127.0.0.1:8080/admin (log in with $TOKEN_FROM)"
        exec "$BUILD/bot/tcns" --db "$DB" --config deploy/dev-config.json serve
        ;;
    test)
        install_missing "${BUILD_PKGS[@]}" ${TEST_PKGS[@]+"${TEST_PKGS[@]}"}
        echo "==> [1/4] build and all tests ($BUILD)"
        build
        # soffice was installed above: the LibreOffice round-trip test must run, not skip.
        TCNS_REQUIRE_SOFFICE=1 ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)"

        # Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer (g++).
        ASAN_BUILD=${TCNS_ASAN_BUILD_DIR:-$ROOT/build-asan}
        echo "==> [2/4] unit tests under ASan+UBSan ($ASAN_BUILD)"
        if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
            cmake -S "$ROOT" -B "$ASAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTCNS_SANITIZE=ON
        fi
        cmake --build "$ASAN_BUILD" --target tcns_unit_tests -- -j"$(nproc)"
        ctest --test-dir "$ASAN_BUILD" --output-on-failure -j"$(nproc)" -L unit

        # libFuzzer targets (clang), each fuzzing its seed corpus for a bounded time.
        FUZZ_BUILD=${TCNS_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
        echo "==> [3/4] fuzz targets, ${TCNS_FUZZ_SECONDS:-10} s each ($FUZZ_BUILD)"
        if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
            # -g1 (line tables only): a crash's backtrace keeps its lines, the build is faster.
            CC=clang CXX=clang++ cmake -S "$ROOT" -B "$FUZZ_BUILD" -G Ninja \
                -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCNS_BUILD_TESTS=OFF -DTCNS_FUZZ=ON \
                -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
                -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
        fi
        cmake -S "$ROOT" -B "$FUZZ_BUILD" -DTCNS_FUZZ_SECONDS="${TCNS_FUZZ_SECONDS:-10}" >/dev/null
        cmake --build "$FUZZ_BUILD" --target tcns_fuzzers -- -j"$(nproc)"
        ctest --test-dir "$FUZZ_BUILD" --output-on-failure -j"$(nproc)" -L fuzz

        # The .deb installed with apt on a clean Debian 12 root that boots systemd (cached in
        # /var/cache/tcns-test); skipped, saying why, only where systemd-nspawn cannot run.
        echo "==> [4/4] the install on a booted Debian 12 (deploy/test-install.sh)"
        deploy/test-install.sh "$BUILD"
        echo "==> all tests passed"
        ;;
    *) usage ;;
esac
