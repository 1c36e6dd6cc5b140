"""A real Prometheus server scrapes doorman's admin listener on loopback (temp config, temp TSDB,
1 s scrape interval) and its HTTP query API returns the series the known traffic left
(admin_helpers.EXPECTED_SERIES)."""

import json
import os
import unittest
import urllib.parse
import urllib.request

import admin_helpers as ah
from harness import free_port, have, wait_until
from test_front_proxies import FrontProxyCase

PROMETHEUS_CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: doorman
    static_configs:
      - targets: ["{target}"]
"""


class PrometheusScrapeTest(FrontProxyCase):
    def start_prometheus(self, target):
        port = free_port()
        config = self.tmp.write("prometheus.yml", PROMETHEUS_CONFIG.format(target=target))
        self.start_process(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self.tmp.path, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"], port)
        return port

    def query(self, port, expr):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = json.load(r)
        except OSError:
            return None  # not up yet
        if body.get("status") != "success":
            return None
        return {json.dumps(x["metric"], sort_keys=True): float(x["value"][1])
                for x in body["data"]["result"]}

    def test_prometheus_scrapes_the_expected_series(self):
        if not have("prometheus"):
            self.skipTest("prometheus not installed")
        admin = ah.start_with_known_traffic(self)
        port = self.start_prometheus(admin)

        # The scrape after the traffic: the total must reach 12 (an earlier scrape may show less).
        def total():
            r = self.query(port, 'sum(doorman_requests_total{job="doorman"})')
            return r and list(r.values())[0] == ah.TOTAL_REQUESTS

        wait_until(total, timeout=60, what="Prometheus to scrape 12 requests")
        api = self.query(port, 'doorman_requests_total{route="api.test"}')
        self.assertEqual(len(api), 1, api)
        (labels, value), = api.items()
        labels = json.loads(labels)
        self.assertEqual(value, 5)
        self.assertEqual((labels["status_class"], labels["client_ip_source"], labels["protocol"]),
                         ("2xx", "x-forwarded-for", "http/1.1"))
        limited = self.query(port, 'doorman_rate_limit_decisions_total{route="limited.test"}')
        by_decision = {json.loads(k)["decision"]: v for k, v in limited.items()}
        self.assertEqual(by_decision, {"allowed": 1, "limited": 2})
        forbidden = self.query(port, 'doorman_rejections_total{reason="forbidden"}')
        self.assertEqual([(json.loads(k)["detail"], v) for k, v in forbidden.items()],
                         [("not-cloudflare", 2)])
        up = self.query(port, 'up{job="doorman"}')
        self.assertEqual(list(up.values()), [1])
        ttfb = self.query(port, 'doorman_upstream_ttfb_seconds_count')
        self.assertEqual(list(ttfb.values()), [5])


if __name__ == "__main__":
    unittest.main()
