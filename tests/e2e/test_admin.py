"""The admin listener (docs/operations.md): /metrics after known traffic, checked value by value
and by `promtool check metrics`; /healthz and /readyz; the [admin] config rules (loopback only
unless allow_remote with an allow list, checked against the socket peer); the systemd notify
protocol against a NOTIFY_SOCKET this test binds; `doorman --version`."""

import ipaddress
import os
import re
import signal
import socket
import subprocess
import time
import unittest

import admin_helpers as ah
from harness import (DEADLINE, SOURCE_DIR, DoormanTestCase, have, http_get, run_doorman,
                     wait_until)


class AdminMetricsTest(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.doorman = self.start_doorman(ah.config(self.origin))
        self.admin = ah.admin_address(self.doorman)

    def test_metrics_count_known_traffic(self):
        ah.send_known_traffic(self.doorman.port)
        samples = ah.wait_for_requests(self.admin, ah.TOTAL_REQUESTS)
        for series, value in ah.EXPECTED_SERIES.items():
            self.assertEqual(samples.get(series), value, series)
        total = sum(v for k, v in samples.items() if k.startswith("doorman_requests_total{"))
        self.assertEqual(total, ah.TOTAL_REQUESTS)
        # The parser's code (error_code_name) as the detail: GARBAGE has no request line.
        bad = {k: v for k, v in samples.items()
               if k.startswith('doorman_rejections_total{reason="bad-request",')}
        self.assertEqual(bad, {'doorman_rejections_total{reason="bad-request",'
                               'detail="bad_request"}': 1})
        # One new upstream connection at least (the origin keeps it alive), five upstream requests.
        self.assertGreaterEqual(samples['doorman_upstream_requests_total{connection="new"}'], 1)
        self.assertEqual(samples['doorman_upstream_requests_total{connection="new"}'] +
                         samples['doorman_upstream_requests_total{connection="reused"}'], 5)
        self.assertEqual(samples["doorman_workers"], 2)
        self.assertEqual(samples["doorman_scrape_workers_missing"], 0)
        self.assertEqual(samples["doorman_ready"], 1)
        self.assertEqual(samples['doorman_ranges_source{provider="cloudflare",source="bundled"}'], 1)
        self.assertGreater(samples['doorman_ranges_blocks{provider="cloudflare",family="ipv4"}'], 0)
        # No client address and no path is ever a label.
        text = ah.admin_get(self.admin, "/metrics")[2]
        for leak in ("203.0.113.7", "198.51.100.9", "/plain", "/x\""):
            self.assertNotIn(leak, text)

    def test_promtool_accepts_the_exposition(self):
        if not have("promtool"):
            self.skipTest("promtool not installed (Debian package prometheus)")
        ah.send_known_traffic(self.doorman.port)
        ah.wait_for_requests(self.admin, ah.TOTAL_REQUESTS)
        status, headers, text = ah.admin_get(self.admin, "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), "", "promtool lint findings")

    def test_build_info_matches_version(self):
        rc, out, _ = run_doorman("--version")
        self.assertEqual(rc, 0)
        m = re.fullmatch(r"doorman (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}(?:-dirty)?|unknown)\)\n", out)
        self.assertIsNotNone(m, out)
        samples = ah.parse_samples(ah.admin_get(self.admin, "/metrics")[2])
        self.assertEqual(samples[f'doorman_build_info{{version="{m.group(1)}",commit="{m.group(2)}"}}'], 1)
        head = subprocess.run(["git", "-C", SOURCE_DIR, "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True)
        if head.returncode == 0 and m.group(2) != "unknown":
            self.assertEqual(m.group(2).split("-")[0], head.stdout.strip())

    def test_health_ready_and_errors(self):
        self.assertEqual(ah.admin_get(self.admin, "/healthz")[::2], (200, "ok\n"))
        status, _, body = ah.admin_get(self.admin, "/readyz")
        self.assertEqual(status, 200, body)
        self.assertIn("listeners: ok", body)
        self.assertIn("ranges cloudflare: ok", body)
        self.assertEqual(ah.admin_get(self.admin, "/nope")[0], 404)
        self.assertEqual(ah.admin_get(self.admin, "/metrics", method="POST")[0], 405)
        status, headers, body = ah.admin_get(self.admin, "/metrics", method="HEAD")
        self.assertEqual((status, body), (200, ""))
        self.assertGreater(int(headers["Content-Length"]), 100)
        status, headers, body = ah.admin_get(self.admin, "/")
        self.assertEqual(status, 200)
        self.assertIn("<title>doorman status</title>", body)
        self.assertNotRegex(body, r"(src|href)=\"?https?:")  # self-contained: works offline


class AdminHttp2Test(DoormanTestCase):
    def test_h2_streams_count_with_protocol_h2(self):
        if not have("nghttp"):
            self.skipTest("nghttp (nghttp2-client) not installed")
        d = self.start_doorman('[[listener]]\naddress = "127.0.0.1:0"\nh2c = true\n'
                               '[admin]\naddress = "127.0.0.1:0"\n'
                               '[[route]]\nupstream = "builtin:echo"\n')
        admin = ah.admin_address(d)
        # Three streams on one h2c connection (prior knowledge), then one HTTP/1.1 request.
        url = f"http://127.0.0.1:{d.port}/h2"
        p = subprocess.run(["nghttp", "-n", "-s", url + "?1", url + "?2", url + "?3"],
                           capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(len(re.findall(r" 200 +\d+ /h2\?\d", p.stdout)), 3, p.stdout)
        self.assertEqual(http_get(d.port, "/h2?4").status, 200)  # HTTP/1.1
        samples = ah.wait_for_requests(admin, 4)
        series = ('doorman_requests_total{{route="default",status_class="2xx",'
                  'client_ip_source="peer",protocol="{}"}}')
        self.assertEqual(samples.get(series.format("h2")), 3)
        self.assertEqual(samples.get(series.format("http/1.1")), 1)
        # Two client connections: the h2c one and the HTTP/1.1 one.
        accepted = {k: v for k, v in samples.items()
                    if k.startswith("doorman_connections_accepted_total{")}
        self.assertEqual(list(accepted.values()), [2], accepted)


class AdminConfigTest(DoormanTestCase):
    BASE = '[[listener]]\naddress = "127.0.0.1:0"\n[[route]]\nupstream = "builtin:echo"\n'

    def check(self, admin):
        path = self.tmp.write("c.toml", self.BASE + admin)
        return run_doorman("check", "--config", path)

    def test_non_loopback_needs_allow_remote_and_allow(self):
        rc, _, err = self.check('[admin]\naddress = "0.0.0.0:9901"\n')
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"c\.toml:\d+: admin\.address: '0\.0\.0\.0:9901' is not a loopback")
        rc, _, err = self.check('[admin]\naddress = "0.0.0.0:9901"\nallow_remote = true\n')
        self.assertEqual(rc, 1)
        self.assertIn("admin.allow: allow_remote = true needs allow", err)
        rc, _, err = self.check('[admin]\naddress = "0.0.0.0:9901"\nallow_remote = true\n'
                                'allow = ["10.0.0.0/8", "nope"]\n')
        self.assertEqual(rc, 1)
        self.assertIn("admin.allow: expected a CIDR", err)
        rc, _, err = self.check('[admin]\naddress = "[::]:9901"\nallow_remote = true\n'
                                'allow = ["10.0.0.0/8"]\n')
        self.assertEqual(rc, 0, err)
        rc, _, err = self.check('[admin]\naddress = "[::1]:9901"\n')
        self.assertEqual(rc, 0, err)
        rc, _, err = self.check('[admin]\nadress = "127.0.0.1:1"\n')
        self.assertEqual(rc, 1)
        self.assertIn("admin.adress: unknown key", err)

    def admin_answer_from(self, address, allow):
        """The status line the admin listener gives a client whose socket peer is `address`
        (a non-loopback address of this machine), with [admin] allow = `allow`. The request
        claims a loopback client in X-Forwarded-For: only the socket peer may count."""
        d = self.start_doorman('[[route]]\nupstream = "builtin:echo"\n[admin]\n'
                               'address = "0.0.0.0:0"\nallow_remote = true\n'
                               f'allow = ["{allow}"]\n')
        port = int(ah.admin_address(d).rsplit(":", 1)[1])
        with socket.create_connection((address, port), timeout=DEADLINE,
                                      source_address=(address, 0)) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        self.assertEqual(ah.admin_get(f"127.0.0.1:{port}", "/healthz")[0], 200)  # loopback may
        d.stop()
        return data.split(b"\r\n", 1)[0]

    def test_remote_peer_checked_against_allow(self):
        # A non-loopback address of this machine as the client's source: the socket peer is then
        # that address, inside or outside `allow` as each case chooses.
        addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
        v4 = [a for a in addresses
              if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a) and not a.startswith("127.")]
        if not v4:
            self.skipTest("no non-loopback IPv4 address on this machine")
        peer = ipaddress.ip_address(v4[0])
        # A documentation range that does not hold this machine's address (a CI machine may well
        # sit in one of them, as 192.0.2.2 did).
        outside = next(n for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
                       if peer not in ipaddress.ip_network(n))
        self.assertEqual(self.admin_answer_from(v4[0], outside), b"HTTP/1.1 403 Forbidden")
        self.assertEqual(self.admin_answer_from(v4[0], f"{peer}/32"), b"HTTP/1.1 200 OK")


def rewrite_config(doorman, config):
    """Writes `config` over doorman's file (atomically), keeping its listener's bound port."""
    tmp = doorman.config_path + ".new"
    with open(tmp, "w") as f:
        f.write(f'[[listener]]\naddress = "127.0.0.1:{doorman.port}"\n\n' + config)
    os.replace(tmp, doorman.config_path)


class AdminReloadTest(DoormanTestCase):
    def test_counts_survive_a_reload_that_reorders_routes(self):
        d = self.start_doorman('[admin]\naddress = "127.0.0.1:0"\n'
                               '[[route]]\nroute = "a.test"\nupstream = "builtin:echo"\n')
        admin = ah.admin_address(d)
        for _ in range(2):
            self.assertEqual(http_get(d.port, "/", headers={"Host": "a.test"}).status, 200)
        ah.wait_for_requests(admin, 2)
        # b.test now comes first: a.test's index changes, its counts must not move to b.test.
        rewrite_config(d, '[admin]\naddress = "127.0.0.1:0"\n'
                          '[[route]]\nroute = "b.test"\nupstream = "builtin:echo"\n'
                          '[[route]]\nroute = "a.test"\nupstream = "builtin:echo"\n')
        d.send_signal(signal.SIGHUP)
        wait_until(lambda: "doorman: reloaded " in d.stderr(), what="the reload")
        self.assertEqual(http_get(d.port, "/", headers={"Host": "a.test"}).status, 200)
        for _ in range(3):
            self.assertEqual(http_get(d.port, "/", headers={"Host": "b.test"}).status, 200)
        samples = ah.wait_for_requests(admin, 6)
        series = ('doorman_requests_total{{route="{}",status_class="2xx",'
                  'client_ip_source="peer",protocol="http/1.1"}}')
        self.assertEqual(samples.get(series.format("a.test")), 3)
        self.assertEqual(samples.get(series.format("b.test")), 3)


class NotifyTest(DoormanTestCase):
    def notify_socket(self):
        path = os.path.join(self.tmp.path, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        self.cleanups.append(sock.close)
        sock.settimeout(DEADLINE)
        return path, sock

    def start_notifying(self, path, config):
        old = os.environ.get("NOTIFY_SOCKET")
        os.environ["NOTIFY_SOCKET"] = path
        try:
            return self.start_doorman(config)
        finally:
            if old is None:
                del os.environ["NOTIFY_SOCKET"]
            else:
                os.environ["NOTIFY_SOCKET"] = old

    @staticmethod
    def fields(sock):
        return sock.recv(4096).decode().split("\n")

    def test_ready_and_stopping_reach_notify_socket(self):
        path, sock = self.notify_socket()
        d = self.start_notifying(path, '[[route]]\nupstream = "builtin:echo"\n')
        ready = self.fields(sock)
        self.assertIn("READY=1", ready)
        self.assertIn(f"MAINPID={d.proc.pid}", ready)
        d.send_signal(signal.SIGTERM)
        self.assertIn("STOPPING=1", self.fields(sock))
        self.assertEqual(d.wait(), 0)

    def test_reload_sends_reloading_then_ready(self):
        path, sock = self.notify_socket()
        d = self.start_notifying(path, '[[route]]\nupstream = "builtin:echo"\n')
        self.assertIn("READY=1", self.fields(sock))
        # A good configuration, then a broken one (refused: the old one keeps serving, so the
        # service is ready again either way).
        for config, said in (('[[route]]\nroute = "x.test"\nupstream = "builtin:echo"\n'
                              '[[route]]\nupstream = "builtin:echo"\n', "doorman: reloaded "),
                             ('[[route]]\nupstream = 42\n', "doorman: reload failed")):
            rewrite_config(d, config)
            before = time.clock_gettime(time.CLOCK_MONOTONIC)
            d.send_signal(signal.SIGHUP)
            reloading = self.fields(sock)
            self.assertIn("RELOADING=1", reloading)
            usec = [f for f in reloading if f.startswith("MONOTONIC_USEC=")]
            self.assertEqual(len(usec), 1, reloading)
            self.assertGreaterEqual(int(usec[0].split("=")[1]), int(before * 1e6))
            self.assertIn("READY=1", self.fields(sock))
            self.assertIn(said, d.stderr())
        self.assertEqual(http_get(d.port, "/", headers={"Host": "x.test"}).status, 200)
        d.send_signal(signal.SIGTERM)
        self.assertIn("STOPPING=1", self.fields(sock))
        self.assertEqual(d.wait(), 0)


if __name__ == "__main__":
    unittest.main()
