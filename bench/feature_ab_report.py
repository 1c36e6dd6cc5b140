"""Reads the harness JSON and the candidate's start log written by feature_ab.sh and prints the
cost of the feature: per round, then the median over neighbouring (on, off) round pairs of the
change in doorman/HAProxy req/s and in doorman's CPU time per request (the latter is less
sensitive to the host stealing CPU from this VM)."""
import json
import statistics
import sys

runs = json.load(open(sys.argv[1]))["runs"]
variants = {int(n): v for n, v in (line.split() for line in open(sys.argv[2]))}
feature = sys.argv[3] if len(sys.argv) > 3 else "rate-limit"
scenario = sys.argv[4] if len(sys.argv) > 4 else "ka-small"
by_round = {}
for r in runs:
    if not r.get("warmup") and r["scenario"] == scenario:
        by_round.setdefault(r["round"], {})[r["target"]] = r
if len(variants) != len(by_round):
    sys.exit(f"the candidate started {len(variants)} times in {len(by_round)} rounds: "
             "variants cannot be matched to rounds")


def ratio(x):
    return x["candidate"]["rps"] / x["haproxy"]["rps"]


for rnd in sorted(by_round):
    c, h = by_round[rnd]["candidate"], by_round[rnd]["haproxy"]
    print(f"round {rnd:2d} {feature} {variants[rnd]:3s}: doorman {c['rps']:8.0f} req/s "
          f"{c['proxy_us_per_req']:6.2f} us CPU/req, HAProxy {h['rps']:8.0f} req/s, "
          f"ratio {ratio(by_round[rnd]):.3f}, steal {c['cpu_pct']['steal']:.1f}%")
rps_change, cpu_change = [], []
for rnd in sorted(by_round):
    if variants[rnd] != "on" or rnd + 1 not in by_round:
        continue
    on, off = by_round[rnd], by_round[rnd + 1]
    rps_change.append(ratio(on) / ratio(off) - 1)
    cpu_change.append(on["candidate"]["proxy_us_per_req"] /
                      off["candidate"]["proxy_us_per_req"] - 1)
print(f"{len(rps_change)} pairs (on, off); median change with {feature} on: "
      f"req/s vs HAProxy {100 * statistics.median(rps_change):+.1f}%, "
      f"CPU per request {100 * statistics.median(cpu_change):+.1f}%")
print(f"harness JSON: {sys.argv[1]}")
