"""The JSON diagnostics log's upstream timings (docs/logs.md): upstream_connect_ms for a new
upstream connection, null on a pooled one (upstream_reused: true); upstream_ttfb_ms from the
request head going out to the first response byte, so an origin that waits 200 ms shows at least
200; duration_ms covers both. builtin:echo and local replies (429, redirect, 404) have no
upstream: all three fields are null."""

import json
import os
import socket
import unittest

from harness import DoormanTestCase, RawConnection, free_port, run_doorman, wait_until

CONFIG = """
[server]
workers = 1

[log]
file = "{log}"

[[route]]
route = "dead.test"
upstream = "127.0.0.1:{dead_port}"

[[route]]
route = "slow.test"
upstream = "{origin}"

[[route]]
route = "echo.test"
upstream = "builtin:echo"

[[route]]
route = "limited.test"
upstream = "{origin}"
rate_limit = {{ requests = 1, per = "60s", burst = 1 }}

[[route]]
route = "redirect.test"
upstream = "{origin}"
https_redirect = true
"""

SIDE_EFFECTS_CONFIG = """
[[listener]]
address = "127.0.0.1:0"

[log]
file = "{log}"

[rate_limit]
requests = 10
per = "1s"
backend = "redis://127.0.0.1:{redis_port}"

[[route]]
route = "app.test"
upstream = "builtin:echo"
"""

UPSTREAM_FIELDS = ("upstream_connect_ms", "upstream_ttfb_ms", "upstream_reused")


def get(port, host, path="/"):
    with RawConnection(port) as c:
        c.send(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return c.read_response()


class DiagnosticsTimingTest(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.log = os.path.join(self.tmp.path, "requests.jsonl")
        self.doorman = self.start_doorman(CONFIG.format(
            log=self.log, origin=self.origin.address, dead_port=free_port()
        ))

    def lines(self):
        try:
            with open(self.log) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def wait_lines(self, n):
        return wait_until(lambda: len(self.lines()) >= n and self.lines(), what=f"{n} log lines")

    def test_new_then_pooled_connection_to_a_slow_origin(self):
        port = self.doorman.port
        r = get(port, "slow.test", "/slow?ms=200")
        self.assertEqual(r.status, 200)
        first = self.wait_lines(1)[0]
        self.assertEqual(first["status"], 200)
        self.assertEqual(first["upstream"], self.origin.address)
        self.assertFalse(first["upstream_reused"])
        self.assertIsInstance(first["upstream_connect_ms"], float)
        self.assertGreaterEqual(first["upstream_connect_ms"], 0.0)
        self.assertLess(first["upstream_connect_ms"], 5000.0)
        # The origin sleeps 200 ms after reading the head doorman had already written.
        self.assertGreaterEqual(first["upstream_ttfb_ms"], 199.9)
        self.assertLess(first["upstream_ttfb_ms"], 10000.0)
        self.assertGreaterEqual(
            first["duration_ms"], first["upstream_ttfb_ms"] + first["upstream_connect_ms"]
        )

        # The worker's pool kept the connection (one worker): the
        # next request goes out on it, with no connect to time.
        r = get(port, "slow.test", "/slow?ms=0")
        self.assertEqual(r.status, 200)
        second = self.wait_lines(2)[1]
        self.assertTrue(second["upstream_reused"], second)
        self.assertIsNone(second["upstream_connect_ms"])
        self.assertIsInstance(second["upstream_ttfb_ms"], float)
        self.assertGreaterEqual(second["duration_ms"], second["upstream_ttfb_ms"])

    def test_no_upstream_means_null_timings(self):
        port = self.doorman.port
        self.assertEqual(get(port, "echo.test").status, 200)
        self.assertEqual(get(port, "limited.test").status, 200)
        self.assertEqual(get(port, "limited.test").status, 429)
        self.assertEqual(get(port, "redirect.test").status, 301)
        self.assertEqual(get(port, "nowhere.test").status, 404)
        lines = self.wait_lines(5)
        by_status = {}
        for l in lines:
            by_status.setdefault((l["route"], l["status"]), l)
        for key in (("echo.test", 200), ("limited.test", 429), ("redirect.test", 301),
                    (None, 404)):
            l = by_status[key]
            for field in UPSTREAM_FIELDS:
                self.assertIn(field, l)
                self.assertIsNone(l[field], f"{field} of {key}: {l}")
            self.assertIsInstance(l["duration_ms"], float)
        # The limited route's first request did reach the origin: timed.
        relayed = by_status[("limited.test", 200)]
        self.assertIsInstance(relayed["upstream_ttfb_ms"], float)
        self.assertFalse(relayed["upstream_reused"])

    def test_failed_connect_has_no_timings(self):
        # Nobody listens on the dead route's port: 502, a connect was tried (upstream_reused is
        # false) but never established, and no response byte came.
        self.assertEqual(get(self.doorman.port, "dead.test").status, 502)
        l = self.wait_lines(1)[0]
        self.assertEqual(l["reason"], "upstream-connect-failed")
        self.assertIsNone(l["upstream_connect_ms"])
        self.assertIsNone(l["upstream_ttfb_ms"])
        self.assertFalse(l["upstream_reused"])


class NoSideEffectsTest(DoormanTestCase):
    """`doorman check` and `doorman explain --config` compile the same snapshot as serve but
    start nothing: no diagnostics file is created and nobody connects to the Redis backend."""

    def test_check_and_explain_open_no_log_and_no_redis_connection(self):
        redis = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.cleanups.append(redis.close)
        redis.bind(("127.0.0.1", 0))
        redis.listen(4)
        log = os.path.join(self.tmp.path, "requests.jsonl")
        path = self.tmp.write("doorman.toml", SIDE_EFFECTS_CONFIG.format(
            log=log, redis_port=redis.getsockname()[1]))
        rc, _, err = run_doorman("check", "--config", path)
        self.assertEqual(rc, 0, err)
        rc, _, err = run_doorman("explain", "--peer", "203.0.113.7", "--config", path,
                                 "--host", "app.test")
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(log))
        redis.setblocking(False)
        with self.assertRaises(BlockingIOError):
            redis.accept()  # the commands have exited: a connection would be queued by now


if __name__ == "__main__":
    unittest.main()
