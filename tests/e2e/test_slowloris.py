"""Slow and idle clients by the thousand: 1,000 connections trickling a request head one byte a
second and 1,000 idle keep-alive connections (each after one request), together, against one
worker. Every one of them must be closed by doorman's own timeouts (request_head for the
trickling ones, counted from accept; keepalive_idle for the idle ones, counted from their
response), never by the test, and a normal client's p99 latency meanwhile must stay within 2x
its p99 measured in the same test before the attack (and never less than that + 5 ms), when
the machine is not oversubscribed (see latency_asserted below).

The attacker (slowloris_helpers.py) is a separate process with one thread and one selector, so
its work never delays the measuring client here. Figures go to slowloris.json (in
$DOORMAN_RESULTS_DIR, else the test's temp dir) and to stdout, for docs/robustness.md."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
import unittest

from harness import DoormanTestCase, RawConnection
from slowloris_helpers import raise_nofile

SLOW = 1000
IDLE = 1000
TIMEOUT_S = 15  # request_head and keepalive_idle: room for a second measurement
SAMPLES = 600  # per kind of request, before and during the attack
HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slowloris_helpers.py")
REQUEST = b"GET /normal HTTP/1.1\r\nHost: x\r\n\r\n"


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def p99(samples):
    return percentile(samples, 0.99)


def allowed_ms(unloaded_ms):
    """The p99 allowed under attack: 2x the unloaded one, and never less than it + 5 ms (on a
    shared machine a sub-millisecond p99 is one scheduler hiccup away from doubling)."""
    return max(2 * unloaded_ms, unloaded_ms + 5)


def cpu_seconds(pid):
    """utime + stime of the whole process, /proc/PID/stat fields 14 and 15."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class NormalClient:
    """Sequential requests, alternating one on a kept-alive connection and one on a new
    connection each (connect, request, response, close); latency per request in seconds."""

    def __init__(self, port):
        self.port = port
        self.kept = RawConnection(port)

    def keep_alive_request(self):
        started = time.perf_counter()
        self.kept.send(REQUEST)
        status = self.kept.read_response().status
        elapsed = time.perf_counter() - started
        if status != 200:
            raise AssertionError(f"normal client got {status}")
        return elapsed

    def new_connection_request(self):
        started = time.perf_counter()
        with RawConnection(self.port) as c:
            c.send(REQUEST)
            status = c.read_response().status
        elapsed = time.perf_counter() - started
        if status != 200:
            raise AssertionError(f"normal client got {status}")
        return elapsed

    def measure(self, count, until=None):
        kept, fresh = [], []
        for _ in range(count):
            if until is not None and time.monotonic() > until:
                break
            kept.append(self.keep_alive_request())
            fresh.append(self.new_connection_request())
        return kept, fresh

    def close(self):
        self.kept.close()


class Lines:
    """The attacker's stdout, one line at a time with a deadline (a reader thread owns it)."""

    def __init__(self, stream):
        self.q = queue.Queue()
        threading.Thread(target=lambda: [self.q.put(l) for l in stream], daemon=True).start()

    def next(self, timeout):
        return self.q.get(timeout=timeout)


class Slowloris(DoormanTestCase):
    def test_trickling_and_idle_thousands_closed_by_timeouts_others_served(self):
        raise_nofile(SLOW + IDLE + 2 * SAMPLES + 512)  # doorman inherits it
        d = self.start_doorman(
            f'[server]\nworkers = 1\n\n[timeouts]\nrequest_head = "{TIMEOUT_S}s"\n'
            f'keepalive_idle = "{TIMEOUT_S}s"\n\n[log]\ndiagnostics = "off"\n\n'
            '[[route]]\nupstream = "builtin:echo"\n'
        )
        load_before = os.getloadavg()[0]
        client = NormalClient(d.port)
        self.cleanups.append(client.close)
        client.measure(100)  # warm-up: workspaces, allocator, caches
        cpu0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
        unloaded_kept, unloaded_fresh = client.measure(SAMPLES)
        unloaded_cpu = (cpu_seconds(d.proc.pid) - cpu0) / (time.monotonic() - t0)
        rss_before = d.rss_kib()

        attacker = subprocess.Popen(
            [sys.executable, HELPER, str(d.port), "--slow", str(SLOW), "--idle", str(IDLE),
             "--give-up", str(TIMEOUT_S + 15)],
            stdout=subprocess.PIPE, text=True)
        self.cleanups.append(lambda: (attacker.kill(), attacker.wait(), attacker.stdout.close()))
        lines = Lines(attacker.stdout)
        ready = lines.next(timeout=60).split()
        self.assertEqual(ready[0], "ready")
        first_opened = float(ready[1])
        in_place = time.monotonic()
        rss_attack = d.rss_kib()
        # Measured while every attacking connection is open: stop before the first timeout. A
        # batch over the bound is measured again once if there is time (a burst from another
        # process on a shared machine passes; a doorman slowed by the attack fails both).
        deadline = first_opened + TIMEOUT_S - 1
        cpu0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
        batches = 0
        while True:
            started = time.monotonic()
            loaded_kept, loaded_fresh = client.measure(SAMPLES, until=deadline)
            batches += 1
            within = all(p99(m) * 1e3 <= allowed_ms(p99(u) * 1e3) for m, u in (
                (loaded_kept, unloaded_kept), (loaded_fresh, unloaded_fresh)))
            took = time.monotonic() - started
            if within or batches == 2 or time.monotonic() + took > deadline:
                break
        measured_for = time.monotonic() - in_place
        attack_cpu = (cpu_seconds(d.proc.pid) - cpu0) / (time.monotonic() - t0)
        report = json.loads(lines.next(timeout=TIMEOUT_S + 30))
        attacker.wait(timeout=10)
        # Still serving once they are gone.
        client.new_connection_request()  # raises unless 200

        figures = {
            "slow": SLOW, "idle": IDLE, "timeout_s": TIMEOUT_S,
            "unloaded_samples": len(unloaded_kept), "loaded_samples": len(loaded_kept),
            "measured_during_attack_s": round(measured_for, 2), "batches": batches,
            "unloaded_p99_ms": {"keep_alive": p99(unloaded_kept) * 1e3,
                                "new_connection": p99(unloaded_fresh) * 1e3},
            "attack_p99_ms": {"keep_alive": p99(loaded_kept) * 1e3,
                              "new_connection": p99(loaded_fresh) * 1e3},
            "unloaded_p50_ms": {"keep_alive": percentile(unloaded_kept, 0.5) * 1e3,
                                "new_connection": percentile(unloaded_fresh, 0.5) * 1e3},
            "attack_p50_ms": {"keep_alive": percentile(loaded_kept, 0.5) * 1e3,
                              "new_connection": percentile(loaded_fresh, 0.5) * 1e3},
            "doorman_cpu_share": {"unloaded": round(unloaded_cpu, 3),
                                  "attack": round(attack_cpu, 3)},
            "rss_kib": {"before": rss_before, "attack_in_place": rss_attack},
        }
        closes = {}
        for kind, ref in (("slow", "opened"), ("idle", "answered")):
            after = [c["closed"] - c[ref] for c in report[kind] if c["closed"] and c[ref]]
            closes[kind] = {"min_s": min(after, default=None), "max_s": max(after, default=None),
                            "how": {h: sum(1 for c in report[kind] if c["how"] == h)
                                    for h in ("eof", "reset", "send-failed", None)}}
        closes["slow"]["last_after_ready_s"] = max(
            (c["closed"] - report["ready"] for c in report["slow"] if c["closed"]), default=None)
        figures["closed_after"] = closes
        # Latency on an oversubscribed machine measures the other processes: compared only when
        # the 1-minute load average stayed within 1.5 per CPU (CI runs this test alone), or when
        # DOORMAN_STRICT_LATENCY=1 asks for it anyway.
        load = max(load_before, os.getloadavg()[0])
        figures["load_average"] = round(load, 2)
        figures["latency_asserted"] = (os.environ.get("DOORMAN_STRICT_LATENCY") == "1"
                                       or load <= 1.5 * (os.cpu_count() or 1))
        out_dir = os.environ.get("DOORMAN_RESULTS_DIR", self.tmp.path)
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "slowloris.json"), "w") as f:
            json.dump(figures, f, indent=1)
        print(f"slowloris: {json.dumps(figures)}")

        # Every attacking connection was closed by doorman, none by the test.
        self.assertEqual(report["unclosed"], 0, figures)
        self.assertEqual(len(report["slow"]), SLOW)
        self.assertEqual(len(report["idle"]), IDLE)
        for c in report["idle"]:
            self.assertIsNotNone(c["answered"], "an idle connection never got its response")
        # ... by the timeouts: not before them (the trickle does not extend request_head, the
        # idle wait is keepalive_idle), and not long after (ASan on a shared machine: +5 s).
        # A trickling connection's clock starts at accept, which a starved ASan build may reach
        # seconds after the connect: all of them were accepted by `ready` (the attacker opened
        # them before the idle ones, and accept takes them in order).
        for kind in ("slow", "idle"):
            self.assertGreaterEqual(closes[kind]["min_s"], TIMEOUT_S * 0.95, (kind, figures))
        self.assertLessEqual(closes["idle"]["max_s"], TIMEOUT_S + 5, figures)
        self.assertLessEqual(closes["slow"]["last_after_ready_s"], TIMEOUT_S + 5, figures)
        for c in report["slow"]:
            self.assertEqual(c["received"], 0, "doorman answered a head it never got whole")
        # The normal client kept being served, within 2x its unloaded p99 (at least + 5 ms).
        self.assertGreaterEqual(len(loaded_kept), 200, figures)
        if not figures["latency_asserted"]:
            print("slowloris: p99 comparison not asserted: machine oversubscribed (load "
                  f"{figures['load_average']} on {os.cpu_count()} CPUs)")
            return
        for kind in ("keep_alive", "new_connection"):
            self.assertLessEqual(figures["attack_p99_ms"][kind],
                                 allowed_ms(figures["unloaded_p99_ms"][kind]), (kind, figures))


if __name__ == "__main__":
    unittest.main()
