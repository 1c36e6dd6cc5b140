#!/usr/bin/env bash
# The cost of per-IP rate limits, measured with the side-by-side harness (../shared/bench/run.sh):
# one doorman build as the candidate, restarted every round, alternating between a config WITH a
# rate limit on its route (odd rounds) and the same config WITHOUT one (even rounds). HAProxy runs
# in every round as the yardstick, so each round's doorman/HAProxy ratio cancels machine drift;
# the cost is taken over neighbouring (on, off) round pairs (limits_ab_report.py).
#
# The limit (1,000,000 requests per second, burst 1,000,000) is never reached, so every request
# pays the whole path (key from the resolved IP, GCRA update, RateLimit-Policy / RateLimit
# headers) and no request is refused.
#
# Usage: bench/limits_ab.sh DOORMAN_BINARY [ROUNDS (even, default 10)] [HARNESS_DIR]
# Prints the per-round ratios and the result; the harness's JSON is kept in $TMPDIR.
set -euo pipefail
doorman=$(realpath "$1")
rounds=${2:-10}
harness=${3:-$(dirname "$0")/../../shared/bench}
[ $((rounds % 2)) -eq 0 ] || { echo "ROUNDS must be even" >&2; exit 2; }
state=$(mktemp -d)
json="${TMPDIR:-/tmp}/doorman-limits-ab-$(date +%Y%m%d-%H%M%S).json"

# Started by the harness once per round: counts its starts to pick the variant, logs it, execs.
cat > "$state/candidate.sh" <<'EOF'
set -eu
n=$(( $(cat "$AB_STATE/starts" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$AB_STATE/starts"
if [ $((n % 2)) -eq 1 ]; then variant=on; else variant=off; fi
echo "$n $variant" >> "$AB_STATE/variants"
limit=""
[ "$variant" = on ] && limit='rate_limit = { requests = 1000000, per = "1s", burst = 1000000 }'
cat > "$BENCH_WORKDIR/doorman.toml" <<TOML
[server]
workers = 1
[log]
access = "off"
[cloudflare]
refresh = false
[[listener]]
address = "127.0.0.1:$BENCH_CANDIDATE_PORT"
[[route]]
upstream = "127.0.0.1:$BENCH_ORIGIN_PORT"
$limit
TOML
exec "$AB_DOORMAN" serve --config "$BENCH_WORKDIR/doorman.toml"
EOF

export AB_STATE=$state AB_DOORMAN=$doorman
"$harness/run.sh" --candidate "bash $state/candidate.sh" --targets haproxy,candidate \
  --scenarios ka-small --rounds "$rounds" --json "$json" >&2

python3 "$(dirname "$0")/limits_ab_report.py" "$json" "$state/variants"
rm -rf "$state"
