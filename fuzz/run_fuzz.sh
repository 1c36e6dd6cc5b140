#!/bin/sh
# Runs one libFuzzer binary for a few seconds on its seed corpus (read-only: new inputs go to a
# temp dir). Exit 77 (CTest "skipped") when the fuzz build is absent, e.g. without clang-19.
set -eu
bin=$1 seeds=$2 seconds=$3
[ -x "$bin" ] || { echo "no fuzz build at $bin (make fuzz-build needs clang-19): skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dict="${seeds%/}.dict"
set -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"
"$bin" "$@" "$work" "$seeds"
