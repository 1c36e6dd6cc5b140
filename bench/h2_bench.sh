#!/usr/bin/env bash
# HTTP/2 side by side: h2load (nghttp2-client) against doorman, nginx (http2 on TLS) and HAProxy
# (h2 on TLS, `alpn h2,http/1.1`), each with one worker, proxying to the same HTTP/1.1 origin
# (nginx, "ok\n") over a keep-alive pool. Interleaved paired rounds: every round starts every
# server afresh, checks each answers over h2, then runs `h2load -c 10 -m 10` (100 concurrent
# streams over 10 connections) against each for SECONDS, in an order rotated each round.
# Prints req/s and CPU per request (utime + stime from /proc/PID/stat) per round, and the paired
# ratios doorman/nginx and doorman/haproxy (median and range over rounds). Needs a quiet-ish
# machine: quote the ratios of one run, never absolute numbers, and say how loaded it was.
#
# Usage: bench/h2_bench.sh DOORMAN_BINARY [ROUNDS (default 3)] [SECONDS (default 5)] [--pin proxy-own]
#          [--diagnostics on|off] [--streams N] [--connections N] [--warmup SECONDS (default 2)]
#   --pin proxy-own: the server on the last CPU, h2load and the origin on the others (taskset).
#   --diagnostics off: doorman without its per-request JSON line (nginx and HAProxy log nothing
#   here), the same work for all three; on (the default) is what a default doorman costs.
#   --warmup: seconds of the same load before each measured run, not measured (0: none).
#   (build it with: cmake --preset release && cmake --build --preset release --target doorman_bin)
# Needs Debian's nginx, haproxy, nghttp2-client, curl, openssl. The JSON goes to $TMPDIR.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
exec python3 "$(dirname "$0")/h2_bench.py" "$1" --rounds "${2:-3}" --seconds "${3:-5}" "${@:4}"
