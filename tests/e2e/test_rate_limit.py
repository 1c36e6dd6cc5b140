"""Per-IP request limits end to end: clients behind a trusted front proxy (different
X-Forwarded-For) get separate budgets; the one over the limit gets 429 with Retry-After and the
IETF RateLimit fields while the other is served; relayed responses of a limited route carry the
fields too; `rate_limit = false` turns a route off; IPv6 clients share a budget per /64."""

import unittest

from harness import Doorman, DoormanTestCase, RawConnection, wait_until
from rate_limit_helpers import RedisServer, have_redis

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


REDIS_CONFIG = """
[rate_limit]
requests = 1
per = "60s"
burst = {burst}
backend = "{url}"
on_backend_error = "local"
backend_timeout = "200ms"

[[route]]
upstream = "builtin:echo"
source_ip = "trusted-proxy"
"""


@unittest.skipUnless(have_redis(), "redis-server not installed")
class SharedBudgetTest(DoormanTestCase):
    """Two doorman instances on one Redis share each client's budget; Redis killed mid-test
    means the local fallback (no request fails), and a restarted Redis is shared again."""

    def start_pair(self, burst):
        self.redis = RedisServer(self.tmp.path).start()
        self.cleanups.append(self.redis.stop)
        config = REDIS_CONFIG.format(burst=burst, url=self.redis.url)
        pair = []
        for _ in range(2):
            d = Doorman(config)  # its own temp dir: its own config and stderr file
            d.start()
            self.cleanups.append(d.stop)
            pair.append(d)
        return pair

    def test_two_instances_share_one_budget(self):
        a, b = self.start_pair(burst=4)
        statuses = [get(d.port, "app.test", "203.0.113.50").status for d in (a, b, a, b, a, b)]
        self.assertEqual(statuses, [200, 200, 200, 200, 429, 429])
        refused = get(a.port, "app.test", "203.0.113.50")
        self.assertEqual(refused.header("RateLimit"), '"default";r=0;t=240')
        self.assertEqual(refused.header("Retry-After"), "60")
        # Another client still has its whole budget, on either instance.
        self.assertEqual(get(b.port, "app.test", "203.0.113.51").status, 200)

    def test_redis_down_falls_back_to_local_then_shares_again(self):
        a, b = self.start_pair(burst=2)
        self.assertEqual(get(a.port, "app.test", "192.0.2.10").status, 200)
        self.assertEqual(get(b.port, "app.test", "192.0.2.10").status, 200)
        self.assertEqual(get(a.port, "app.test", "192.0.2.10").status, 429)
        self.redis.stop()
        # Fallback "local": each instance's own table decides; nothing fails with a 5xx.
        fallback = [get(d.port, "app.test", "192.0.2.10").status for d in (a, b, a, b, a, b)]
        self.assertEqual(sorted(fallback), [200, 200, 200, 200, 429, 429], fallback)
        for d in (a, b):
            wait_until(lambda d=d: "unavailable" in d.stderr(), what="the unavailable log line")
        self.redis.start()
        # Shared again once each instance reconnected (it retries on its own every 200 ms).
        for d in (a, b):
            wait_until(lambda d=d: d.stderr().count("reachable") >= 2, what="reconnection")
        fresh = [get(d.port, "app.test", "192.0.2.99").status for d in (a, b, a)]
        self.assertEqual(fresh, [200, 200, 429])
        for d in (a, b):
            self.assertEqual(d.stderr().count("unavailable"), 1, d.stderr())


if __name__ == "__main__":
    unittest.main()
