#!/usr/bin/env bash
# Webhook load benchmark (issues 7, 15): the same pre-signed Viber and Zalo webhooks against
#   1. tcns's HTTP server (Boost.Beast) with routes that only verify the signature (the ceiling),
#   2. `tcns serve` with every answer committed before its 200, and
#   3. the Node.js peer (tests/bench/node_peer: express + better-sqlite3, the same durable step),
#      when node and its modules are there ($BUILD/bench-node, see tests/bench/README.md),
# in one run on one machine. Prints throughput, p50/p99 latency, tcns's peak RSS and the ratios.
#   tests/bench/run.sh [BUILD_DIR] [LEADERS] [SECONDS] [CONNECTIONS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
LEADERS=${2:-20000}
# Short enough that no request is sent twice (wrapped = 0): 20,000 leaders × 17 steps.
SECONDS_=${3:-8}
CONNS=${4:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
# The benchmarks are not in the default build: build them (and the server) when out of date.
cmake --build "$BUILD" --target benches
WORK=$(mktemp -d /tmp/tcns-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

export TCNS_VIBER_TOKEN=bench-viber-token-445da6az1s345z78
export TCNS_ZALO_APP_ID=50554360515256678
export TCNS_ZALO_OA_SECRET=bench-zalo-oa-secret
export TCNS_ZALO_APP_SECRET=bench-zalo-app-secret
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
              echo $((20000 + RANDOM % 20000)); }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

echo "==> preparing $LEADERS leaders and their signed webhooks"
"$BUILD/tests/bench/bench_prepare" --db "$WORK/bench.db" --out "$WORK/requests.txt" \
    --leaders "$LEADERS" --viber-token "$TCNS_VIBER_TOKEN" --zalo-app "$TCNS_ZALO_APP_ID" \
    --zalo-key "$TCNS_ZALO_OA_SECRET"
REQUESTS=$(wc -l < "$WORK/requests.txt")

run_wrk() {  # port → prints wrk output
    wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency --timeout 5s -s "$ROOT/tests/bench/webhooks.lua" \
        "http://127.0.0.1:$1" -- "$WORK/requests.txt" 2
}
field() {  # wrk output, what → value
    case "$2" in
        rps) grep '^Requests/sec' <<<"$1" | awk '{print $2}' ;;
        p50) grep -E '^ +50%' <<<"$1" | awk '{print $2}' ;;
        p99) grep -E '^ +99%' <<<"$1" | awk '{print $2}' ;;
        # wrk prints this line only when there were such answers (webhooks answer 200 or an
        # error status, never a redirect).
        non200) grep '^ *Non-2xx or 3xx responses:' <<<"$1" | awk '{print $NF}' | grep . || echo 0 ;;
        errors) grep '^ *Socket errors:' <<<"$1" | sed 's/^ *Socket errors: //' | grep . || echo none ;;
        wrapped) grep '^wrapped' <<<"$1" | awk '{print $2}' ;;
        total) grep 'requests in' <<<"$1" | awk '{print $1}' ;;
    esac
}

API_PORT=$(free_port)
"$BUILD/tests/bench/bench_ceiling" --api --threads 64 --port "$API_PORT" & PIDS+=($!)
wait_port "$API_PORT"

echo "==> ceiling: tcns's Beast server verifying the signatures, nothing stored"
CEIL_PORT=$(free_port)
"$BUILD/tests/bench/bench_ceiling" --port "$CEIL_PORT" --io-threads 2 \
    --viber-token "$TCNS_VIBER_TOKEN" --zalo-app "$TCNS_ZALO_APP_ID" --zalo-key "$TCNS_ZALO_OA_SECRET" &
CEIL_PID=$!; PIDS+=($CEIL_PID)
wait_port "$CEIL_PORT"
CEIL=$(run_wrk "$CEIL_PORT")
kill "$CEIL_PID"; wait "$CEIL_PID" 2>/dev/null || true

echo "==> tcns serve: verify, parse, conversation step, commit, 200"
TCNS_PORT=$(free_port)
cat > "$WORK/config.json" <<JSON
{
  "server": {"listen": "127.0.0.1", "port": $TCNS_PORT, "io_threads": ${BENCH_IO_THREADS:-2}, "threads": 4},
  "log_level": "${BENCH_LOG_LEVEL:-warn}",
  "scheduler": {"enabled": false},
  "viber": {"enabled": true, "api_base": "http://127.0.0.1:$API_PORT/pa"},
  "zalo": {"enabled": true, "api_base": "http://127.0.0.1:$API_PORT/zalo"}
}
JSON
"$BUILD/bot/tcns" --db "$WORK/bench.db" --config "$WORK/config.json" serve >"$WORK/serve.log" 2>&1 &
TCNS_PID=$!; PIDS+=($TCNS_PID)
wait_port "$TCNS_PORT"
TCNS=$(run_wrk "$TCNS_PORT")
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$TCNS_PID/status")
kill "$TCNS_PID"; wait "$TCNS_PID" 2>/dev/null || true

PEER=""
if command -v node >/dev/null && [ -d "$BUILD/bench-node/node_modules/better-sqlite3" ]; then
    echo "==> Node.js peer: express + better-sqlite3, verify, one transaction, WAL, 200"
    PEER_PORT=$(free_port)
    NODE_PATH="$BUILD/bench-node/node_modules" node "$ROOT/tests/bench/node_peer/server.js" \
        "$PEER_PORT" "$WORK/peer.db" & PEER_PID=$!; PIDS+=($PEER_PID)
    wait_port "$PEER_PORT"
    PEER=$(run_wrk "$PEER_PORT")
    kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true
fi

STORED=$(sqlite3 "$WORK/bench.db" "SELECT count(*) FROM inbox" 2>/dev/null || echo "?")
REPORTS=$(sqlite3 "$WORK/bench.db" "SELECT count(*) FROM reports" 2>/dev/null || echo "?")
QUEUED=$(sqlite3 "$WORK/bench.db" "SELECT count(*) FROM outbox" 2>/dev/null || echo "?")
SENT=$(sqlite3 "$WORK/bench.db" "SELECT count(*) FROM outbox WHERE status = 'sent'" 2>/dev/null || echo "?")

C_RPS=$(field "$CEIL" rps); T_RPS=$(field "$TCNS" rps)
RATIO=$(awk -v a="$T_RPS" -v b="$C_RPS" 'BEGIN { printf "%.0f%%", 100 * a / b }')
echo
echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | xargs), $(uname -r)"
echo "load: $LEADERS leaders, $REQUESTS distinct signed webhooks (half Viber, half Zalo), wrk -t2 -c$CONNS -d${SECONDS_}s"
printf '%-22s %12s %10s %10s %10s %10s %10s\n' "server" "req/s" "p50" "p99" "requests" "non-200" \
    "resent"
printf '%-22s %12s %10s %10s %10s %10s %10s\n' "ceiling (beast+sig)" "$C_RPS" \
    "$(field "$CEIL" p50)" "$(field "$CEIL" p99)" "$(field "$CEIL" total)" \
    "$(field "$CEIL" non200)" "$(field "$CEIL" wrapped)"
printf '%-22s %12s %10s %10s %10s %10s %10s\n' "tcns serve" "$T_RPS" "$(field "$TCNS" p50)" \
    "$(field "$TCNS" p99)" "$(field "$TCNS" total)" "$(field "$TCNS" non200)" \
    "$(field "$TCNS" wrapped)"
if [ -n "$PEER" ]; then
    printf '%-22s %12s %10s %10s %10s %10s %10s\n' "node peer" "$(field "$PEER" rps)" \
        "$(field "$PEER" p50)" "$(field "$PEER" p99)" "$(field "$PEER" total)" \
        "$(field "$PEER" non200)" "$(field "$PEER" wrapped)"
    echo "tcns / node peer: $(awk -v a="$T_RPS" -v b="$(field "$PEER" rps)" 'BEGIN { printf "%.1fx", a / b }')"
fi
echo "tcns / ceiling: $RATIO; tcns peak RSS: $((RSS_KB / 1024)) MB"
for s in "ceiling:$(field "$CEIL" errors)" "tcns serve:$(field "$TCNS" errors)" \
         "node peer:$( [ -n "$PEER" ] && field "$PEER" errors || echo none)"; do
    [ "${s#*:}" = none ] || echo "socket errors (wrk), ${s%%:*}: ${s#*:}"
done
if [ "$(field "$TCNS" wrapped)" != 0 ]; then
    echo "warning: tcns was sent $(field "$TCNS" wrapped) webhooks a second time (duplicates are" \
         "cheap and flatter it): run shorter or with more leaders" >&2
fi
echo "stored: $STORED inbox rows, $REPORTS reports submitted, $QUEUED replies queued, $SENT delivered to the fake APIs by the end"
