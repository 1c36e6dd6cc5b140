"""Shared by the admin-listener tests: a doorman with [admin] on 127.0.0.1:0, a fixed mix of
known traffic, and the expected counts that traffic leaves in /metrics and on the status page."""

import http.client
import re

from harness import DEADLINE, RawConnection, http_get, wait_until

CONFIG = """
[server]
workers = 2

[admin]
address = "127.0.0.1:0"

[[route]]
route = "api.test"
upstream = "{origin}"

[[route]]
route = "strict.test"
upstream = "builtin:echo"
source_ip = "cloudflare-proxy"

[[route]]
route = "limited.test"
upstream = "builtin:echo"
rate_limit = {{ requests = 1, per = "60s", burst = 1 }}

[[route]]
upstream = "builtin:echo"
"""

# What send_known_traffic() does, as the series it must leave behind.
EXPECTED_SERIES = {
    'doorman_requests_total{route="api.test",status_class="2xx",'
    'client_ip_source="x-forwarded-for",protocol="http/1.1"}': 5,
    'doorman_requests_total{route="strict.test",status_class="4xx",'
    'client_ip_source="none",protocol="http/1.1"}': 2,
    'doorman_requests_total{route="limited.test",status_class="2xx",'
    'client_ip_source="peer",protocol="http/1.1"}': 1,
    'doorman_requests_total{route="limited.test",status_class="4xx",'
    'client_ip_source="peer",protocol="http/1.1"}': 2,
    'doorman_requests_total{route="default",status_class="2xx",'
    'client_ip_source="peer",protocol="http/1.0"}': 1,
    'doorman_rejections_total{reason="forbidden",detail="not-cloudflare"}': 2,
    'doorman_rejections_total{reason="rate-limited",detail=""}': 2,
    'doorman_rate_limit_decisions_total{route="limited.test",backend="local",decision="allowed"}': 1,
    'doorman_rate_limit_decisions_total{route="limited.test",backend="local",decision="limited"}': 2,
    'doorman_upstream_ttfb_seconds_count': 5,
}
TOTAL_REQUESTS = 12  # the series above plus one 400 (no route)
# The requests that reached an upstream and so got an X-Request-ID (5 api, 1 limited, 1 default);
# doorman's own replies (403, 429, 400) have none.
FORWARDED_REQUESTS = 7
TOP_CLIENTS = {"203.0.113.7": 3, "198.51.100.9": 2}


def config(origin):
    return CONFIG.format(origin=origin.address)


def admin_address(doorman):
    """The admin listener's address from the startup line "doorman: admin on ADDR" (printed
    after the "listening on" lines, so the harness's stdout reader may still be taking it)."""

    def find():
        for line in list(doorman.stdout_lines):
            if line.startswith("doorman: admin on "):
                return line.split(" on ", 1)[1].strip()
        return None

    return wait_until(find, what="the 'doorman: admin on' line")


def admin_get(address, path, method="GET"):
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=DEADLINE)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def send_known_traffic(port):
    for ip, n in TOP_CLIENTS.items():
        for _ in range(n):
            r = http_get(port, "/x", headers={"Host": "api.test", "X-Forwarded-For": ip})
            assert r.status == 200, r.status
    for _ in range(2):
        assert http_get(port, "/", headers={"Host": "strict.test"}).status == 403
    statuses = [http_get(port, "/", headers={"Host": "limited.test"}).status for _ in range(3)]
    assert statuses == [200, 429, 429], statuses
    with RawConnection(port) as c:
        c.send(b"GET /plain HTTP/1.0\r\nHost: other.test\r\n\r\n")
        assert c.read_response().status == 200
    with RawConnection(port) as c:
        c.send(b"GARBAGE\r\n\r\n")
        assert c.read_response().status == 400


def start_with_known_traffic(case):
    """An origin and a doorman on CONFIG started by `case` (a DoormanTestCase), the known
    traffic sent and counted; returns the admin address."""
    doorman = case.start_doorman(config(case.start_origin()))
    admin = admin_address(doorman)
    send_known_traffic(doorman.port)
    wait_for_requests(admin, TOTAL_REQUESTS)
    return admin


def parse_samples(text):
    """{'name{labels}': value} from a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(\S+?(?:\{.*\})?) (\S+)$", line)
        assert m, "bad sample line: " + line
        out[m.group(1)] = float(m.group(2))
    return out


def wait_for_requests(address, total):
    """Polls /metrics until every worker has counted `total` requests (the log hook runs after
    the response is written, so the last one may land a moment after the client saw it)."""

    def counted():
        samples = parse_samples(admin_get(address, "/metrics")[2])
        n = sum(v for k, v in samples.items() if k.startswith("doorman_requests_total{"))
        return samples if n >= total else None

    return wait_until(counted, what=f"{total} requests counted")
