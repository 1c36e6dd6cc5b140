"""Per-IP request limits end to end: clients behind a trusted front proxy (different
X-Forwarded-For) get separate budgets; the one over the limit gets 429 with Retry-After and the
IETF RateLimit fields while the other is served; relayed responses of a limited route carry the
fields too; `rate_limit = false` turns a route off; IPv6 clients share a budget per /64."""

import unittest

from harness import DoormanTestCase, RawConnection

CONFIG = """
[rate_limit]
requests = 1
per = "60s"
burst = 3

[[route]]
route = "limited.test"
upstream = "{upstream}"
source_ip = "trusted-proxy"

[[route]]
route = "own.test"
upstream = "builtin:echo"
source_ip = "trusted-proxy"
rate_limit = {{ requests = 1, per = "60s", burst = 1 }}

[[route]]
route = "free.test"
upstream = "builtin:echo"
source_ip = "trusted-proxy"
rate_limit = false
"""


def get(port, host, client_ip, path="/"):
    """One request as a front proxy on 127.0.0.1 (trusted by default) forwarding `client_ip`."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: {client_ip}\r\n"
        "Connection: close\r\n\r\n"
    )
    with RawConnection(port) as c:
        c.send(request.encode())
        return c.read_response()


class RateLimitTest(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.doorman = self.start_doorman(CONFIG.format(upstream=self.origin.address))

    def test_two_clients_behind_one_proxy_have_separate_budgets(self):
        port = self.doorman.port
        for i in range(3):
            r = get(port, "limited.test", "203.0.113.7")
            self.assertEqual(r.status, 200, f"request {i + 1} within the burst")
            self.assertEqual(r.header("RateLimit-Policy"), '"default";q=1;w=60')
            self.assertEqual(r.header("RateLimit"), f'"default";r={2 - i};t={(i + 1) * 60}')
        over = get(port, "limited.test", "203.0.113.7")
        self.assertEqual(over.status, 429)
        self.assertIn(b"rate-limited", over.body)
        self.assertEqual(over.header("Retry-After"), "60")
        self.assertEqual(over.header("RateLimit"), '"default";r=0;t=180')
        self.assertEqual(over.header("RateLimit-Policy"), '"default";q=1;w=60')
        # The other client behind the same proxy is served meanwhile.
        other = get(port, "limited.test", "198.51.100.23")
        self.assertEqual(other.status, 200)
        self.assertEqual(other.header("RateLimit"), '"default";r=2;t=60')
        # The refused request never reached the app.
        self.assertEqual(len(self.origin.requests), 4)

    def test_ipv6_clients_share_a_budget_per_slash_64(self):
        port = self.doorman.port
        for i, ip in enumerate(["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"]):
            self.assertEqual(get(port, "limited.test", ip).status, 200, ip)
        self.assertEqual(get(port, "limited.test", "2001:db8:1:2::99").status, 429)
        self.assertEqual(get(port, "limited.test", "2001:db8:1:3::1").status, 200)

    def test_route_override_and_off(self):
        port = self.doorman.port
        first = get(port, "own.test", "192.0.2.1")
        self.assertEqual(first.status, 200)
        self.assertEqual(first.header("RateLimit-Policy"), '"route";q=1;w=60')
        self.assertEqual(get(port, "own.test", "192.0.2.1").status, 429)
        for _ in range(6):
            r = get(port, "free.test", "192.0.2.1")
            self.assertEqual(r.status, 200)
            self.assertIsNone(r.header("RateLimit"))


if __name__ == "__main__":
    unittest.main()
