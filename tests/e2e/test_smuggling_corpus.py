"""The request-smuggling corpus (data/smuggling/corpus.toml) through the real binary, with a
recording upstream: each case checks the client's answer (status, Connection: close and the close
itself for rejections) and the exact bytes the upstream received (doorman's own X-Forwarded-*
and X-Request-ID lines removed). The same corpus then goes through Debian's nginx and HAProxy
(one process each, in front of their own recording upstream, at the same time as doorman); their
outcomes are recorded, never checked, in smuggling-corpus.json (in $DOORMAN_RESULTS_DIR, else
the temp dir) for the table in docs/robustness.md."""

import json
import os
import threading
import time
import unittest

from harness import DEADLINE, free_port, have, sbin
from test_front_proxies import FrontProxyCase
import smuggling_helpers as sh

PEER_TIMEOUT = 1.5  # a peer that waits for more bytes than the case sends: its answer is "none"


class SmugglingCorpus(FrontProxyCase):
    def start_peer(self, args, port):
        self.start_process(args, port)
        return True

    def peer_upstream(self):
        up = sh.RecordingUpstream()
        self.cleanups.append(up.close)
        return up

    def start_nginx(self):
        up = self.peer_upstream()
        port = free_port()
        conf = self.tmp.write("nginx.conf", sh.nginx_config(self.tmp.path, port, up.port))
        ok = self.start_peer([sbin("nginx"), "-p", self.tmp.path, "-e",
                              f"{self.tmp.path}/nginx-error.log", "-c", conf,
                              "-g", "daemon off;"], port)
        return (port, up) if ok else None

    def start_haproxy(self):
        up = self.peer_upstream()
        port = free_port()
        conf = self.tmp.write("haproxy.cfg", sh.haproxy_config(port, up.port))
        ok = self.start_peer([sbin("haproxy"), "-db", "-f", conf], port)
        return (port, up) if ok else None

    def check(self, case, got):
        """doorman's outcome against the case; returns a list of mismatches (empty: as expected)."""
        problems = []
        if got["statuses"] != case["statuses"]:
            problems.append(f"statuses {got['statuses']} != {case['statuses']}")
        if case["expect"] == "reject":
            if "connection: close" not in got["last_head"].lower():
                problems.append("no Connection: close on the rejection")
            if not got["closed"]:
                problems.append("connection not closed")
            forwarded = sum(1 for s in case["statuses"] if s < 400)
            if got["upstream_requests"] > forwarded:
                problems.append(f"{got['upstream_requests']} requests reached the upstream")
            if case["upstream_bytes"] and sh.normalized(got["upstream_bytes"]) != case["upstream_bytes"]:
                problems.append(f"upstream saw {sh.normalized(got['upstream_bytes'])!r}")
        else:
            seen = sh.normalized(got["upstream_bytes"])
            if seen != case["upstream_bytes"]:
                problems.append(f"upstream saw {seen!r}, want {case['upstream_bytes']!r}")
            if got["closed"] and "connection: close" not in got["last_head"].lower():
                problems.append("connection closed without Connection: close")
        if case["continue_bytes"] is not None and case["expect"] == "forward" and \
                got["interim"] != [100]:
            problems.append(f"interim answers {got['interim']} (one 100 Continue expected)")
        return problems

    def test_corpus(self):
        cases = sh.load_corpus()
        self.assertGreaterEqual(len(cases), 50)
        started = time.monotonic()
        up = self.peer_upstream()
        # The limits the corpus is written against (the defaults except a smaller head).
        d = self.start_doorman(
            '[limits]\nmax_head_size = "16KiB"\nmax_uri_length = 8192\n\n'
            f'[[route]]\nupstream = "127.0.0.1:{up.port}"\n'
        )
        peers = {}
        if have("nginx"):
            peers["nginx"] = self.start_nginx()
        if have("haproxy"):
            peers["haproxy"] = self.start_haproxy()
        peer_results = {}

        def run_peer(name, where):
            try:
                peer_results[name] = sh.run_corpus(where[0], where[1], cases, name, PEER_TIMEOUT)
            except Exception as e:  # noqa: BLE001 - a peer's trouble is recorded, not fatal
                peer_results[name] = {"error": repr(e)}

        threads = [threading.Thread(target=run_peer, args=(n, w), daemon=True)
                   for n, w in peers.items() if w]
        for t in threads:
            t.start()
        mine = sh.run_corpus(d.port, up, cases, "doorman", DEADLINE)
        for t in threads:
            t.join(timeout=300)

        failures = {}
        table = []
        for case in cases:
            got = mine[case["name"]]
            problems = self.check(case, got)
            if problems:
                failures[case["name"]] = problems
            row = {
                "name": case["name"],
                "source": case["source"],
                "expect": case["expect"],
                "expected_statuses": case["statuses"],
                "doorman": sh.summary(case, got),
                "doorman_ok": not problems,
                "doorman_upstream": sh.normalized(got["upstream_bytes"])[:300].decode("latin-1"),
            }
            for peer in ("nginx", "haproxy"):
                res = peer_results.get(peer, {})
                if case["name"] in res:
                    pg = res[case["name"]]
                    row[peer] = sh.summary(case, pg)
                    row[peer + "_agrees"] = sh.agrees(case, pg)
                    row[peer + "_category"] = sh.category(pg)
                    row[peer + "_upstream"] = pg["upstream_bytes"][:300].decode("latin-1")
                else:
                    row[peer] = "not run"
            table.append(row)
        counts = {
            "cases": len(cases),
            "doorman_as_expected": sum(1 for r in table if r["doorman_ok"]),
            "seconds": sh.elapsed(started),
        }
        for peer in ("nginx", "haproxy"):
            ran = [r for r in table if peer + "_agrees" in r]
            counts[peer + "_run"] = len(ran)
            counts[peer + "_agrees"] = sum(1 for r in ran if r[peer + "_agrees"])
            for cat in ("rejected", "forwarded", "no answer"):
                counts[f"{peer}_{cat}"] = sum(1 for r in ran if r[peer + "_category"] == cat)
        out_dir = os.environ.get("DOORMAN_RESULTS_DIR", self.tmp.path)
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "smuggling-corpus.json")
        with open(path, "w") as f:
            json.dump({"counts": counts, "cases": table}, f, indent=1)
        print(f"smuggling corpus: {counts} -> {path}")
        self.assertEqual(failures, {}, "\n" + "\n".join(f"{k}: {v}" for k, v in failures.items()))


if __name__ == "__main__":
    unittest.main()
