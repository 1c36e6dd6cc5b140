#!/bin/sh
# Runs one libFuzzer binary for a few seconds on its seed corpus (read-only: new inputs go to a
# temp dir). Exit 77 (CTest "skipped") only when the fuzz build is absent, e.g. without clang-19.
# libFuzzer's own default exit code for a crash or leak is also 77, so every finding is mapped to
# 1 (-error_exitcode/-timeout_exitcode): a finding must fail CI, never read as "skipped".
# Findings are kept in ARTIFACT_DIR (default: artifacts/ beside the binary) and printed in base64
# so the CI log alone is enough to reproduce: `base64 -d > crash; BINARY crash`.
set -eu
bin=$1 seeds=$2 seconds=$3
[ -x "$bin" ] || { echo "no fuzz build at $bin (make fuzz-build needs clang-19): skipped"; exit 77; }
name=$(basename "$bin")
artifacts=${ARTIFACT_DIR:-$(dirname "$bin")/artifacts}/$name
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/findings"
dict="${seeds%/}.dict"
set -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/findings/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"
status=0
"$bin" "$@" "$work/corpus" "$seeds" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FUZZ FINDING in $name (exit $status); artifacts kept in $artifacts:"
  mkdir -p "$artifacts"
  for f in "$work/findings"/*; do
    [ -f "$f" ] || continue
    cp "$f" "$artifacts/"
    echo "== $artifacts/$(basename "$f") (base64)"
    base64 "$f"
  done
  [ "$status" -eq 77 ] && status=1
  exit "$status"
fi
