#!/bin/sh
# run_fuzzer.sh FUZZER CORPUS WORKDIR SECONDS: fuzzes for SECONDS from a fresh copy of CORPUS in
# WORKDIR (new inputs and crash artifacts go there, never into the source tree). libFuzzer exits
# non-zero on a crash, a timeout, an out-of-memory or a sanitizer report, and so does this.
set -eu
fuzzer=$1 corpus=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"
exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus"
