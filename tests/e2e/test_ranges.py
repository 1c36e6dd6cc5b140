"""CDN range lists: `doorman ranges update/show` against a local list server (every kind of
good and bad answer, the cache checked byte for byte), and a live refresh while `doorman serve`
runs that turns a peer into a Cloudflare peer without a restart."""

import json
import os
import time
import unittest

from harness import DEADLINE, Doorman, TempDir, http_get, run_doorman, wait_until
from ranges_helpers import RangesServer, cloudflare_json

with open(os.path.join(os.environ.get("DOORMAN_SOURCE_DIR", "."),
                       "server/ranges/testdata/cloudflare-api-ips-sample.json")) as _f:
    _SAMPLE = json.load(_f)["result"]
V4 = _SAMPLE["ipv4_cidrs"]  # Cloudflare's real list (15 + 7 blocks)
V6 = _SAMPLE["ipv6_cidrs"]


class RangesUpdate(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.cache = os.path.join(self.tmp.path, "cf.txt")
        self.config = self.tmp.write("c.toml", f"""
[[listener]]
address = "127.0.0.1:0"
[[route]]
upstream = "builtin:echo"
source_ip = "cloudflare-proxy"
[cloudflare]
cache_file = "{self.cache}"
timeout = "1s"
""")
        self.server = RangesServer().__enter__()

    def tearDown(self):
        self.server.__exit__()
        self.tmp.cleanup()

    def update(self, path, *extra):
        return run_doorman("ranges", "update", "--config", self.config, "--url",
                           self.server.url(path), *extra)

    def show(self):
        rc, out, err = run_doorman("ranges", "show", "--config", self.config, "--json",
                                   "--verbose")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def cache_bytes(self):
        with open(self.cache, "rb") as f:
            return f.read()

    def good(self):
        self.server.routes["/good"] = {"body": cloudflare_json(V4, V6), "etag": '"v1"'}
        rc, out, err = self.update("/good")
        self.assertEqual(rc, 0, err)
        return self.cache_bytes()

    def test_no_cache_shows_bundled(self):
        state = self.show()
        self.assertEqual(state["source"], "bundled")
        self.assertEqual(state["ipv4_blocks"], 15)

    def test_good_list_written_and_shown(self):
        before = self.good()
        self.assertTrue(before.startswith(b"# doorman ranges cache v1\n"))
        self.assertIn(b'# etag: "v1"\n', before)
        state = self.show()
        self.assertEqual(state["source"], "cache")
        self.assertEqual((state["ipv4_blocks"], state["ipv6_blocks"]), (15, 7))
        self.assertEqual(state["etag"], '"v1"')
        self.assertIsNone(state["last_error"])
        self.assertIn("2606:4700::/32", state["cidrs"])

    def test_etag_then_304_keeps_list_and_cache(self):
        before = self.good()
        rc, out, err = self.update("/good")
        self.assertEqual(rc, 0, err)
        self.assertIn("304", out)
        self.assertEqual(self.server.requests[-1], ("/good", '"v1"'))
        self.assertEqual(self.cache_bytes(), before)

    def assert_refused(self, route, words):
        before = self.good()
        self.server.routes["/bad"] = route
        rc, out, err = self.update("/bad")
        self.assertEqual(rc, 1, out)
        self.assertIn(words, err)
        self.assertEqual(self.cache_bytes(), before)  # byte for byte
        state = self.show()
        self.assertEqual(state["source"], "cache")
        self.assertEqual(state["ipv4_blocks"], 15)
        self.assertIn(words, state["last_error"])
        self.assertEqual(state["consecutive_failures"], 1)

    def test_http_500(self):
        self.assert_refused({"status": 500, "body": "oops"}, "HTTP 500")

    def test_stall_past_timeout(self):
        start = time.monotonic()
        self.assert_refused({"stall": True}, "Timeout")
        self.assertLess(time.monotonic() - start, DEADLINE)

    def test_garbage(self):
        self.assert_refused({"body": "<html>502</html>"}, "text list: line 1")

    def test_empty_list(self):
        self.assert_refused({"body": cloudflare_json([], [])}, "empty")

    def test_shrunk_list(self):
        self.assert_refused({"body": cloudflare_json(["173.245.48.0/20"], V6)},
                            "drops")

    def test_oversized_body(self):
        self.assert_refused({"body": "#" * (2 * 1024 * 1024)}, "larger than")

    def test_one_bad_cidr(self):
        self.assert_refused({"body": cloudflare_json(V4 + ["104.24.0.0/33"], V6)},
                            "ipv4_cidrs[15]")

    def test_shrunk_list_forced(self):
        self.good()
        self.server.routes["/small"] = {"body": cloudflare_json(["173.245.48.0/20"], V6)}
        rc, out, err = self.update("/small", "--force")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.show()["ipv4_blocks"], 1)

    def test_corrupt_cache_ignored(self):
        with open(self.cache, "w") as f:
            f.write("# doorman ranges cache v1\n# fetched: 1\nnot a cidr\n")
        state = self.show()
        self.assertEqual(state["source"], "bundled")
        self.assertIn("corrupt cache", state["last_error"])
        rc, _, err = run_doorman("check", "--config", self.config)
        self.assertEqual(rc, 0, err)


class LiveRefresh(unittest.TestCase):
    def test_refresh_adds_range_without_restart(self):
        tmp = TempDir()
        cache = os.path.join(tmp.path, "cf.txt")
        # The last-known-good list is loopback-only, so the refreshed one is not a shrink.
        with open(cache, "w") as f:
            f.write("# doorman ranges cache v1\n# source: test\n# fetched: 1\n# etag: \n"
                    "127.0.0.3/32\n")
        with RangesServer() as server:
            server.routes["/ips"] = {"body": cloudflare_json(["127.0.0.3/32"], []), "etag": '"a"'}
            config = f"""
[server]
trust_loopback = false
[[route]]
upstream = "builtin:echo"
source_ip = "auto"
[cloudflare]
refresh_url = "{server.url('/ips')}"
refresh_interval = "1s"
cache_file = "{cache}"
timeout = "2s"
"""
            with Doorman(config, tmp=tmp) as d:  # `with` starts it (once)
                wait_until(lambda: os.path.exists(cache + ".state.json"), what="first refresh")
                hdr = {"CF-Connecting-IP": "198.51.100.77"}
                first = http_get(d.port, headers=hdr, source="127.0.0.2").json()
                self.assertEqual(first["client_ip"], "127.0.0.2")
                self.assertEqual(first["client_ip_source"], "peer")
                # The live list now adds 127.0.0.2/32.
                server.routes["/ips"] = {"body": cloudflare_json(["127.0.0.2/32", "127.0.0.3/32"],
                                                                 []), "etag": '"b"'}

                def switched():
                    j = http_get(d.port, headers=hdr, source="127.0.0.2").json()
                    return j["client_ip"] == "198.51.100.77"
                wait_until(switched, what="the refreshed list in force")
                j = http_get(d.port, headers=hdr, source="127.0.0.2").json()
                self.assertEqual(j["client_ip_source"], "cf-connecting-ip")
                with open(cache) as f:
                    self.assertIn("127.0.0.2/32", f.read())
                self.assertIn("cloudflare ranges: updated", d.stderr())
            self.assertTrue(any(inm == '"a"' for _, inm in server.requests))
        tmp.cleanup()


if __name__ == "__main__":
    unittest.main()
