#!/usr/bin/env bash
# System calls per request: doorman, nginx and HAProxy doing the same job against the same origin.
#
# Starts the shared harness's origin, nginx and HAProxy (their configs, ../shared/bench/conf) and
# doorman with the harness's candidate config (one worker, diagnostics log on; no Cloudflare
# range refresh, so nothing leaves loopback), then for each
# scenario and target runs wrk for a bounded time while `perf stat` counts the target's system
# calls (syscalls:sys_enter_* tracepoints: no ptrace stop, so the proxy runs at its own pace; with
# --tool strace, `strace -c -f` instead, which slows the target). Prints one table per scenario:
# calls per request, in total and by name. The counts depend on how much each event-loop wake-up
# batches, hence on load, far less than times do; compare targets within one run.
#
# Usage: bench/syscalls.sh DOORMAN_BINARY [options]
#   --harness DIR       the shared harness (default: ../shared/bench beside the repository)
#   --duration S        seconds of load per scenario and target (default 4)
#   --connections N     wrk connections (default 64, as the harness)
#   --scenarios LIST    ka-small,ka-16k,close-small (default all three)
#   --targets LIST      nginx,haproxy,doorman (default all three)
#   --port-base N       origin N, nginx N+1, haproxy N+2, doorman N+3 (default 19280)
#   --tool perf|strace  how to count (default perf)
#   --doorman-conf F    a doorman config file to use instead of the generated one (@ORIGIN_PORT@
#                       and @PORT@ are replaced)
# Traffic goes to 127.0.0.1 only; every process it starts is stopped by its process group id.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
DOORMAN=$(realpath "$1")
shift
HARNESS=${BENCH_HARNESS_DIR:-$HERE/../../shared/bench}
DURATION=4 CONNECTIONS=64 SCENARIOS=ka-small,ka-16k,close-small TARGETS=nginx,haproxy,doorman
PORT_BASE=19280 TOOL=perf DOORMAN_CONF=
while [ $# -gt 0 ]; do
  case $1 in
    --harness) HARNESS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --port-base) PORT_BASE=$2; shift ;;
    --tool) TOOL=$2; shift ;;
    --doorman-conf) DOORMAN_CONF=$2; shift ;;
    *) echo "syscalls.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -d "$HARNESS/conf" ] || { echo "syscalls.sh: no harness at $HARNESS (--harness DIR)" >&2; exit 2; }
for tool in nginx haproxy wrk python3 setsid "$TOOL"; do
  command -v "$tool" >/dev/null || { echo "syscalls.sh: $tool not found" >&2; exit 2; }
done

declare -A PORT=([origin]=$PORT_BASE [nginx]=$((PORT_BASE + 1)) [haproxy]=$((PORT_BASE + 2))
  [doorman]=$((PORT_BASE + 3)))
declare -A PGID=()
WORK=$(mktemp -d /tmp/doorman-syscalls.XXXXXX)
cleanup() {
  for name in "${!PGID[@]}"; do kill -TERM -- "-${PGID[$name]}" 2>/dev/null || true; done
  sleep 0.3
  for name in "${!PGID[@]}"; do kill -KILL -- "-${PGID[$name]}" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
mkdir -p "$WORK/conf" "$WORK/logs" "$WORK"/{origin,nginx-proxy}/{run,logs,tmp,html}
chmod 755 "$WORK"
head -c 16384 /dev/zero | tr '\0' 'x' >"$WORK/origin/html/16k"
for f in origin.conf nginx-proxy.conf haproxy.cfg; do
  sed -e "s/@ORIGIN_PORT@/${PORT[origin]}/g; s/@NGINX_PORT@/${PORT[nginx]}/g" \
    -e "s/@HAPROXY_PORT@/${PORT[haproxy]}/g" "$HARNESS/conf/$f" >"$WORK/conf/$f"
done
if [ -n "$DOORMAN_CONF" ]; then
  sed -e "s/@ORIGIN_PORT@/${PORT[origin]}/g; s/@PORT@/${PORT[doorman]}/g" "$DOORMAN_CONF" \
    >"$WORK/conf/doorman.toml"
else
  printf '[server]\nworkers = 1\n\n[cloudflare]\nrefresh = false\n\n[[listener]]\naddress = "127.0.0.1:%s"\n\n[[route]]\nupstream = "127.0.0.1:%s"\n' \
    "${PORT[doorman]}" "${PORT[origin]}" >"$WORK/conf/doorman.toml"
fi

launch() {
  local cmd
  case $1 in
    origin) cmd=(nginx -p "$WORK/origin/" -c "$WORK/conf/origin.conf") ;;
    nginx) cmd=(nginx -p "$WORK/nginx-proxy/" -c "$WORK/conf/nginx-proxy.conf") ;;
    haproxy) cmd=(haproxy -db -f "$WORK/conf/haproxy.cfg") ;;
    doorman) cmd=("$DOORMAN" serve --config "$WORK/conf/doorman.toml") ;;
  esac
  ! port_open "${PORT[$1]}" || { echo "syscalls.sh: port ${PORT[$1]} in use (--port-base)" >&2; exit 1; }
  setsid "${cmd[@]}" >"$WORK/logs/$1.log" 2>&1 </dev/null &
  PGID[$1]=$!
  for _ in $(seq 100); do
    port_open "${PORT[$1]}" && return 0
    sleep 0.05
  done
  echo "syscalls.sh: $1 did not listen" >&2
  cat "$WORK/logs/$1.log" >&2
  exit 1
}

# The processes of a group, comma-separated (nginx's master and worker; the others are one).
group_pids() { pgrep -g "$1" -d, ; }

IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
IFS=, read -r -a SCENARIO_LIST <<<"$SCENARIOS"
launch origin
for t in "${TARGET_LIST[@]}"; do launch "$t"; done

count() { # SCENARIO TARGET -> $WORK/NAME.calls ("name count" lines) and .requests
  local sc=$1 t=$2 path=/ close=0 pids out=$WORK/$1.$2
  [ "$sc" = ka-16k ] && path=/16k
  [ "$sc" = close-small ] && close=1
  pids=$(group_pids "${PGID[$t]}")
  # One untimed second first, so pools and caches are warm in every target alike.
  BENCH_CLOSE=$close wrk -t1 -c"$CONNECTIONS" -d1s -s "$HARNESS/lib/wrk.lua" \
    "http://127.0.0.1:${PORT[$t]}$path" >/dev/null
  if [ "$TOOL" = perf ]; then
    perf stat -x, -e 'syscalls:sys_enter_*' -p "$pids" -o "$out.perf" -- sleep $((DURATION + 1)) &
  else
    local args=()
    for p in ${pids//,/ }; do args+=(-p "$p"); done
    strace -c -f -o "$out.strace" "${args[@]}" &
  fi
  local counter=$!
  sleep 0.5
  BENCH_CLOSE=$close wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$HARNESS/lib/wrk.lua" \
    "http://127.0.0.1:${PORT[$t]}$path" >"$out.wrk"
  [ "$TOOL" = strace ] && kill -INT "$counter"
  wait "$counter" || true
  sed -n 's/^BENCHJSON .*"requests":\([0-9]*\).*/\1/p' "$out.wrk" >"$out.requests"
  if [ "$TOOL" = perf ]; then
    awk -F, '$1 ~ /^[0-9]+$/ && $1 > 0 { sub(/^syscalls:sys_enter_/, "", $3); print $3, $1 }' \
      "$out.perf" >"$out.calls"
  else
    awk '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" && $NF != "syscall" { print $NF, $4 }' \
      "$out.strace" >"$out.calls"
  fi
}

for sc in "${SCENARIO_LIST[@]}"; do
  for t in "${TARGET_LIST[@]}"; do count "$sc" "$t"; done
done

python3 - "$WORK" "$SCENARIOS" "$TARGETS" "$TOOL" <<'PY'
import collections, os, sys
work, scenarios, targets, tool = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), sys.argv[4]
for sc in scenarios:
    per = {}
    names = collections.Counter()
    reqs = {}
    for t in targets:
        base = os.path.join(work, f"{sc}.{t}")
        reqs[t] = int(open(base + ".requests").read().strip() or 0)
        calls = {}
        for line in open(base + ".calls"):
            name, n = line.split()
            calls[name] = calls.get(name, 0) + int(n)
        per[t] = calls
        for name, n in calls.items():
            if reqs[t]:
                names[name] = max(names[name], n / reqs[t])
    print(f"\n{sc} ({tool}; requests counted: " +
          ", ".join(f"{t} {reqs[t]:,}" for t in targets) + ")\n")
    print("| calls per request | " + " | ".join(targets) + " |")
    print("|---|" + "---:|" * len(targets))
    total = {t: sum(per[t].values()) / reqs[t] if reqs[t] else 0 for t in targets}
    print("| **total** | " + " | ".join(f"**{total[t]:.2f}**" for t in targets) + " |")
    for name, _ in sorted(names.items(), key=lambda kv: -kv[1]):
        if names[name] < 0.005:
            continue
        row = [f"{per[t].get(name, 0) / reqs[t]:.2f}" if reqs[t] else "-" for t in targets]
        print(f"| {name} | " + " | ".join(row) + " |")
PY
