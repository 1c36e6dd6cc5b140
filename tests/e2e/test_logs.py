"""The JSON diagnostics log and `doorman logs`: two clients behind a trusted front proxy, one of
them over its limit; the lines show both resolved IPs beside the socket peer, the 429's reason
and the rate-limit outcome; `doorman logs` filters (--ip, --status, --route, --json) find them;
SIGUSR1 reopens the file after rotation."""

import json
import os
import signal
import unittest

from harness import DoormanTestCase, RawConnection, run_doorman, wait_until

CONFIG = """
[log]
file = "{log}"

[rate_limit]
requests = 1
per = "60s"
burst = 2

[[route]]
route = "app.test"
upstream = "builtin:echo"
source_ip = "trusted-proxy"
"""


def get(port, client_ip):
    request = (
        f"GET /page?x=1 HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: {client_ip}\r\n"
        "Connection: close\r\n\r\n"
    )
    with RawConnection(port) as c:
        c.send(request.encode())
        return c.read_response()


class LogsTest(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.tmp.path, "requests.jsonl")
        self.doorman = self.start_doorman(CONFIG.format(log=self.log))

    def lines(self):
        try:
            with open(self.log) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def test_lines_show_both_clients_and_the_reasons(self):
        port = self.doorman.port
        statuses = [get(port, "203.0.113.7").status for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 429])
        self.assertEqual(get(port, "2001:db8::42").status, 200)
        lines = wait_until(lambda: len(self.lines()) >= 4 and self.lines(), what="4 log lines")
        limited = [l for l in lines if l["status"] == 429]
        self.assertEqual(len(limited), 1)
        l = limited[0]
        self.assertEqual(l["client_ip"], "203.0.113.7")
        self.assertEqual(l["client_ip_source"], "x-forwarded-for")
        self.assertEqual(l["socket_peer"], "127.0.0.1")
        self.assertEqual(l["reason"], "rate-limited")
        self.assertEqual(l["rate_limit"], "limited")
        self.assertEqual(l["route"], "app.test")
        self.assertEqual(l["path"], "/page?x=1")
        self.assertEqual(l["method"], "GET")
        self.assertIsNone(l["upstream"])
        other = [x for x in lines if x["client_ip"] == "2001:db8::42"]
        self.assertEqual(len(other), 1)
        self.assertEqual(other[0]["reason"], None)
        self.assertEqual(other[0]["rate_limit"], "allowed")
        self.assertEqual(other[0]["upstream"], "builtin:echo")
        for key in ("time", "request_id", "listener", "host", "bytes_in", "bytes_out",
                    "proxy_source", "tls_version", "sni", "duration_ms", "upstream_connect_ms",
                    "upstream_ttfb_ms"):
            self.assertIn(key, l)

        # doorman logs: filters combine.
        rc, out, err = run_doorman("logs", "--file", self.log, "--ip", "203.0.113.7")
        self.assertEqual(rc, 0, err)
        rows = out.strip().splitlines()
        self.assertEqual(len(rows), 3, out)
        self.assertTrue(all("203.0.113.7" in r for r in rows))
        self.assertEqual(sum(" 429 rate-limited" in r for r in rows), 1, out)
        rc, out, err = run_doorman("logs", "--file", self.log, "--ip", "203.0.113.7",
                                   "--status", "4xx", "--json")
        self.assertEqual(rc, 0, err)
        found = [json.loads(r) for r in out.strip().splitlines()]
        self.assertEqual([(f["client_ip"], f["status"]) for f in found], [("203.0.113.7", 429)])
        rc, out, _ = run_doorman("logs", "--file", self.log, "--ip", "2001:db8:0::42",
                                 "--route", "app.test", "--since", "10m")
        self.assertEqual(len(out.strip().splitlines()), 1, out)
        rc, out, _ = run_doorman("logs", "--file", self.log, "--status", "5xx")
        self.assertEqual(out.strip(), "")
        rc, _, err = run_doorman("logs", "--file", self.log, "--ip", "not-an-ip")
        self.assertEqual(rc, 2, err)

    def test_sigusr1_reopens_the_file(self):
        port = self.doorman.port
        get(port, "192.0.2.1")
        wait_until(lambda: len(self.lines()) == 1, what="first line")
        os.rename(self.log, self.log + ".1")
        self.doorman.send_signal(signal.SIGUSR1)
        # Lines written before the writer noticed may still land in the old file; keep asking
        # until one lands in the new one.
        wait_until(lambda: get(port, "192.0.2.2") and os.path.exists(self.log) and self.lines(),
                   what="a line in the reopened file")
        self.assertTrue(all(l["client_ip"] == "192.0.2.2" for l in self.lines()))


if __name__ == "__main__":
    unittest.main()
