#!/bin/sh
# A fuzzing campaign: each named libFuzzer target runs until RUNS executions or SECONDS, whichever
# comes first, from its committed corpus (read-only during the run: new inputs go to a work dir),
# then the inputs that add coverage are merged into fuzz/corpus/TARGET (libFuzzer -merge=1).
# Findings stop the target and are kept under WORK/findings/TARGET. One summary line per target
# (executions, exec/s, coverage, features, corpus size before/after) goes to WORK/summary.txt.
#
# Usage: fuzz/campaign.sh FUZZ_BIN_DIR WORK_DIR RUNS SECONDS TARGET...
#   e.g. fuzz/campaign.sh build/fuzz/fuzz /tmp/campaign 10000000 3600 xff forwarded
# TIMEOUT (seconds, default 10) is libFuzzer's per-input limit. It is wall-clock time: on a
# machine shared with builds, a fuzzer at the lowest priority can be starved for longer than an
# input takes, so raise it there (and replay any timeout alone before calling it a hang).
set -u
bins=$1 work=$2 runs=$3 seconds=$4 timeout=${TIMEOUT:-10}
shift 4
corpora=$(cd "$(dirname "$0")" && pwd)/corpus
mkdir -p "$work"
for target in "$@"; do
  bin="$bins/${target}_fuzz"
  [ -x "$bin" ] || { echo "$target: no binary at $bin" >> "$work/summary.txt"; continue; }
  seeds="$corpora/$target" out="$work/new/$target" findings="$work/findings/$target"
  mkdir -p "$out" "$findings"
  dict=""
  [ -f "$corpora/$target.dict" ] && dict="-dict=$corpora/$target.dict"
  before=$(ls "$seeds" | wc -l)
  # shellcheck disable=SC2086
  "$bin" -runs="$runs" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout="$timeout" \
    -print_final_stats=1 -artifact_prefix="$findings/" $dict "$out" "$seeds" \
    > "$work/$target.log" 2>&1
  status=$?
  # shellcheck disable=SC2086
  "$bin" -merge=1 -rss_limit_mb=2048 $dict "$seeds" "$out" > "$work/$target.merge.log" 2>&1
  after=$(ls "$seeds" | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$target.log")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$target.log" | tail -1)
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  echo "$target exit=$status execs=$execs exec_per_s=$rate cov=$cov ft=$ft corpus=$before->$after findings=$(ls "$findings" | wc -l)" >> "$work/summary.txt"
done
