"""A running `doorman serve` adopts a cache written by another process (`doorman ranges update`)
without a restart: the cache file's identity is checked every cache_check_interval; a valid new
list is published (state source "cache"), a corrupt one is logged and ignored, and the server's
own refresh writes are not mistaken for someone else's."""

import json
import os
import unittest

from harness import Doorman, TempDir, http_get, run_doorman, wait_until
from ranges_helpers import RangesServer, cloudflare_json

HDR = {"CF-Connecting-IP": "198.51.100.77"}
CACHE = "# doorman ranges cache v1\n# source: test\n# fetched: 1\n# etag: \n127.0.0.3/32\n"


def read(path):
    with open(path) as f:
        return f.read()


def recorded_source(cache):
    try:
        return json.loads(read(cache + ".state.json"))["source"]
    except (OSError, ValueError, KeyError):
        return None


class CacheWrittenByAnotherProcess(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.cache = os.path.join(self.tmp.path, "cf.txt")
        # The last-known-good list is loopback-only (127.0.0.3), so 127.0.0.2 is a plain peer.
        with open(self.cache, "w") as f:
            f.write(CACHE)

    def tearDown(self):
        self.tmp.cleanup()

    def ask(self, d):
        return http_get(d.port, headers=HDR, source="127.0.0.2").json()

    def doorman(self, cloudflare):
        return Doorman(f"""
[server]
trust_loopback = false
[[route]]
upstream = "builtin:echo"
source_ip = "auto"
[cloudflare]
cache_file = "{self.cache}"
{cloudflare}
""", tmp=self.tmp)  # started by `with`

    def test_ranges_update_reaches_a_server_with_refresh_off(self):
        with RangesServer() as server, self.doorman('refresh = false\n'
                                                  'cache_check_interval = "200ms"') as d:
            first = self.ask(d)
            self.assertEqual((first["client_ip"], first["client_ip_source"]),
                             ("127.0.0.2", "peer"))
            server.routes["/ips"] = {"body": cloudflare_json(["127.0.0.2/32", "127.0.0.3/32"],
                                                             []), "etag": '"op"'}
            rc, out, err = run_doorman("ranges", "update", "--config", d.config_path, "--url",
                                       server.url("/ips"))
            self.assertEqual(rc, 0, err)
            self.assertIn("127.0.0.2/32", read(self.cache))

            wait_until(lambda: self.ask(d)["client_ip"] == "198.51.100.77",
                       what="the operator's cache in force")
            j = self.ask(d)
            self.assertEqual(j["client_ip_source"], "cf-connecting-ip")
            wait_until(lambda: "cloudflare ranges: picked up the cache" in d.stderr(),
                       what="the pick-up logged")  # written just after the publish
            wait_until(lambda: recorded_source(self.cache) == "cache",
                       what="the server's state saying source cache")
            self.assertEqual(json.loads(read(self.cache + ".state.json"))["etag"], '"op"')

            # A corrupt replacement is logged and ignored: the list in force stays.
            corrupt = os.path.join(self.tmp.path, "corrupt.tmp")
            with open(corrupt, "w") as f:
                f.write("# doorman ranges cache v1\n# fetched: 2\nnot a cidr\n")
            os.rename(corrupt, self.cache)
            wait_until(lambda: "changed cache ignored" in d.stderr(),
                       what="the corrupt cache reported")
            j = self.ask(d)
            self.assertEqual((j["client_ip"], j["client_ip_source"]),
                             ("198.51.100.77", "cf-connecting-ip"))
            self.assertEqual(d.stderr().count("picked up the cache"), 1)
        self.assertEqual(server.requests, [("/ips", None)], "only `ranges update` fetched")

    def test_a_forced_shrink_by_the_operator_is_adopted(self):
        with RangesServer() as server, self.doorman('refresh = false\n'
                                                  'cache_check_interval = "200ms"') as d:
            server.routes["/ips"] = {"body": cloudflare_json(
                ["127.0.0.2/32", "127.0.0.3/32", "127.0.0.4/32"], [])}
            rc, _, err = run_doorman("ranges", "update", "--config", d.config_path, "--url",
                                     server.url("/ips"))
            self.assertEqual(rc, 0, err)
            wait_until(lambda: self.ask(d)["client_ip"] == "198.51.100.77",
                       what="the first list in force")
            # The operator keeps only 127.0.0.3 (drops 2 of 3 addresses: update needs --force;
            # the server follows without a check of its own).
            server.routes["/ips"] = {"body": cloudflare_json(["127.0.0.3/32"], [])}
            rc, _, err = run_doorman("ranges", "update", "--config", d.config_path, "--url",
                                     server.url("/ips"))
            self.assertNotEqual(rc, 0, "a shrink without --force is refused")
            rc, _, err = run_doorman("ranges", "update", "--config", d.config_path, "--url",
                                     server.url("/ips"), "--force")
            self.assertEqual(rc, 0, err)
            wait_until(lambda: self.ask(d)["client_ip"] == "127.0.0.2",
                       what="the shrunk list in force")

    def test_own_refresh_writes_are_not_picked_up(self):
        with RangesServer() as server:
            server.routes["/ips"] = {"body": cloudflare_json(["127.0.0.2/32", "127.0.0.3/32"],
                                                             []), "etag": '"a"'}
            with self.doorman(f'refresh_url = "{server.url("/ips")}"\nrefresh_interval = "1s"\n'
                            'cache_check_interval = "100ms"\ntimeout = "2s"') as d:
                wait_until(lambda: "127.0.0.2/32" in read(self.cache), what="the first refresh")
                # Change the list so the next refresh writes the cache again, then wait for
                # that write and a few more checks after it.
                server.routes["/ips"] = {"body": cloudflare_json(
                    ["127.0.0.2/32", "127.0.0.3/32", "127.0.0.4/32"], []), "etag": '"b"'}
                wait_until(lambda: "127.0.0.4/32" in read(self.cache), what="the second refresh")
                count = len(server.requests)
                wait_until(lambda: len(server.requests) > count, what="a third refresh")
                self.assertEqual(self.ask(d)["client_ip"], "198.51.100.77")
                self.assertNotIn("picked up the cache", d.stderr())
                self.assertEqual(recorded_source(self.cache), "live")


if __name__ == "__main__":
    unittest.main()
