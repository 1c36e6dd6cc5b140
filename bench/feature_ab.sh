#!/usr/bin/env bash
# The cost of one feature, measured with the side-by-side harness (../shared/bench/run.sh): one
# doorman build as the candidate, restarted every round, alternating between a config WITH the
# feature (odd rounds) and the same config WITHOUT it (even rounds). HAProxy runs in every round
# as the yardstick, so each round's doorman/HAProxy ratio cancels machine drift; the cost is taken
# over neighbouring (on, off) round pairs (feature_ab_report.py).
#
# Features:
#   rate-limit       a per-IP limit on the route (1,000,000 requests per second, burst 1,000,000:
#                    never reached, so every request pays the whole path - key from the resolved
#                    IP, GCRA update, RateLimit-Policy / RateLimit headers - and none is refused).
#                    The diagnostics log is off in both variants.
#   diagnostics-log  the JSON diagnostics line per request (its default, stdout, which the
#                    harness sends to a file) against [log] diagnostics = "off".
#   second-worker    workers = 2 against workers = 1 (the peers keep one worker each; on a 2-core
#                    machine that also runs wrk and the origin this shows how much a second
#                    worker can take, not how doorman scales on free cores).
#   other-binary     the binary named by $AB_OTHER (e.g. an io_uring build, or a change) against
#                    DOORMAN_BINARY, same config (diagnostics log on).
#
# Usage: bench/feature_ab.sh FEATURE DOORMAN_BINARY [ROUNDS (even, default 10)] [SCENARIO] [HARNESS_DIR]
# Prints the per-round ratios and the result; the harness's JSON is kept in $TMPDIR.
set -euo pipefail
feature=$1
doorman=$(realpath "$2")
rounds=${3:-10}
scenario=${4:-ka-small}
harness=${5:-$(dirname "$0")/../../shared/bench}
case $feature in rate-limit | diagnostics-log | second-worker | other-binary) ;; *) echo "unknown FEATURE '$feature'" >&2; exit 2 ;; esac
[ $((rounds % 2)) -eq 0 ] || { echo "ROUNDS must be even" >&2; exit 2; }
[ "$feature" != other-binary ] || [ -x "${AB_OTHER:-}" ] || { echo "other-binary needs AB_OTHER=BINARY" >&2; exit 2; }
state=$(mktemp -d)
json="${TMPDIR:-/tmp}/doorman-$feature-ab-$(date +%Y%m%d-%H%M%S).json"

# Started by the harness once per round: counts its starts to pick the variant, logs it, execs.
cat > "$state/candidate.sh" <<'EOF2'
set -eu
n=$(( $(cat "$AB_STATE/starts" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$AB_STATE/starts"
if [ $((n % 2)) -eq 1 ]; then variant=on; else variant=off; fi
echo "$n $variant" >> "$AB_STATE/variants"
limit="" diagnostics=off workers=1
case $AB_FEATURE in
  rate-limit) [ "$variant" = off ] || limit='rate_limit = { requests = 1000000, per = "1s", burst = 1000000 }' ;;
  diagnostics-log) [ "$variant" = off ] || diagnostics=stdout ;;
  second-worker) diagnostics=stdout; [ "$variant" = off ] || workers=2 ;;
  other-binary) diagnostics=stdout; [ "$variant" = off ] || AB_DOORMAN=$AB_OTHER ;;
esac
cat > "$BENCH_WORKDIR/doorman.toml" <<TOML
[server]
workers = $workers
[log]
access = "off"
diagnostics = "$diagnostics"
[cloudflare]
refresh = false
[[listener]]
address = "127.0.0.1:$BENCH_CANDIDATE_PORT"
[[route]]
upstream = "127.0.0.1:$BENCH_ORIGIN_PORT"
$limit
TOML
exec "$AB_DOORMAN" serve --config "$BENCH_WORKDIR/doorman.toml"
EOF2

export AB_STATE=$state AB_DOORMAN=$doorman AB_FEATURE=$feature AB_OTHER=$(realpath "${AB_OTHER:-/dev/null}")
"$harness/run.sh" --candidate "bash $state/candidate.sh" --targets haproxy,candidate \
  --scenarios "$scenario" --rounds "$rounds" --json "$json" >&2

python3 "$(dirname "$0")/feature_ab_report.py" "$json" "$state/variants" "$feature" "$scenario"
rm -rf "$state"
