"""`doorman explain` and Fastly: the Fastly set is consulted as the server consults it (in
fastly-proxy mode, and in auto only with `[fastly] auto = true` or --fastly-auto), it is the
bundled list, or with --config the list a server would start with (static ranges_file, else the
bundled list overlaid by a valid cache), and --fastly-ranges replaces it."""

import json
import os
import subprocess
import tempfile
import unittest

from harness import explain, explain_json

DOORMAN_BIN = os.environ["DOORMAN_BIN"]
SOURCE_DIR = os.environ.get("DOORMAN_SOURCE_DIR", ".")


def bundled_fastly():
    with open(os.path.join(SOURCE_DIR, "data/fastly-ips.txt")) as f:
        return [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]


FASTLY = bundled_fastly()
FASTLY_PEER_V4 = "23.235.32.10"  # inside Fastly's 23.235.32.0/20
FASTLY_PEER_V6 = "2a04:4e42::7"  # inside Fastly's 2a04:4e42::/32
NOT_FASTLY = "203.0.113.7"
CLIENT = "198.51.100.9"
CLIENT_V6 = "2001:db8::99"


def decision(out):
    return (out["status"], out["client_ip"], out["source"], out["reason"])


class BundledFastly(unittest.TestCase):
    def test_sample_peers_are_in_the_bundled_list(self):
        self.assertIn("23.235.32.0/20", FASTLY)
        self.assertIn("2a04:4e42::/32", FASTLY)

    def test_fastly_peer_resolves_fastly_client_ip(self):
        for peer, client in ((FASTLY_PEER_V4, CLIENT), (FASTLY_PEER_V6, CLIENT_V6)):
            out = explain_json("--peer", peer, "--mode", "fastly-proxy", "-H",
                               f"Fastly-Client-IP: {client}")
            self.assertEqual(decision(out), (200, client, "fastly-client-ip", "ok"), peer)
            self.assertTrue(out["peer_in_fastly"], peer)
            self.assertTrue(out["fastly_considered"])

    def test_non_fastly_peer_header_ignored(self):
        out = explain_json("--peer", NOT_FASTLY, "--mode", "fastly-proxy", "-H",
                           f"Fastly-Client-IP: {CLIENT}")
        self.assertEqual((out["status"], out["client_ip"], out["reason"]),
                         (403, None, "not-fastly"))
        self.assertFalse(out["peer_in_fastly"])
        # In auto (Fastly off, the default) a Fastly peer is just a peer.
        out = explain_json("--peer", FASTLY_PEER_V4, "-H", f"Fastly-Client-IP: {CLIENT}")
        self.assertEqual((out["client_ip"], out["source"]), (FASTLY_PEER_V4, "peer"))
        self.assertFalse(out["fastly_considered"])

    def test_fastly_auto_flag(self):
        out = explain_json("--peer", FASTLY_PEER_V6, "--fastly-auto", "-H",
                           f"Fastly-Client-IP: {CLIENT}")
        self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"))
        out = explain_json("--peer", NOT_FASTLY, "--fastly-auto", "-H",
                           f"Fastly-Client-IP: {CLIENT}")
        self.assertEqual((out["client_ip"], out["source"]), (NOT_FASTLY, "peer"))

    def test_list_value_is_invalid(self):
        out = explain_json("--peer", FASTLY_PEER_V4, "--mode", "fastly-proxy", "-H",
                           f"Fastly-Client-IP: {CLIENT}, 10.0.0.1")
        self.assertEqual((out["status"], out["reason"]), (403, "invalid-fastly-client-ip"))

    def test_human_output_names_the_fastly_set(self):
        proc = explain("--peer", FASTLY_PEER_V4, "--mode", "fastly-proxy", "-H",
                       f"Fastly-Client-IP: {CLIENT}")
        self.assertIn("in the Fastly set", proc.stdout)
        self.assertIn(CLIENT, proc.stdout)


class FastlyRangesOption(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write("# test ranges\n192.0.2.0/24\n2001:db8:f::/48\n")

    def tearDown(self):
        os.unlink(self.path)

    def test_override_replaces_the_bundled_set(self):
        for peer in ("192.0.2.44", "2001:db8:f::1"):
            out = explain_json("--peer", peer, "--mode", "fastly-proxy", "--fastly-ranges",
                               self.path, "-H", f"Fastly-Client-IP: {CLIENT}")
            self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"), peer)
        out = explain_json("--peer", FASTLY_PEER_V4, "--mode", "fastly-proxy",
                           "--fastly-ranges", self.path, "-H", f"Fastly-Client-IP: {CLIENT}")
        self.assertEqual((out["status"], out["reason"]), (403, "not-fastly"))

    def test_missing_file_is_a_usage_error(self):
        proc = explain("--peer", NOT_FASTLY, "--fastly-ranges", "/nonexistent/fastly.txt",
                       check_rc=2)
        self.assertIn("--fastly-ranges", proc.stderr)

    def test_bad_file_is_a_usage_error(self):
        with open(self.path, "w") as f:
            f.write("192.0.2.0/24\nnot-a-cidr\n")
        proc = explain("--peer", NOT_FASTLY, "--fastly-ranges", self.path, check_rc=2)
        self.assertIn("--fastly-ranges", proc.stderr)
        self.assertIn("line 2", proc.stderr)


CACHE_HEADER = "# doorman ranges cache v1\n# source: test\n# fetched: 1763900000\n# etag: \n"


class FastlyFromConfig(unittest.TestCase):
    """With --config: the route's mode, [fastly] auto, and the lists a server would start with."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.fastly_cache = os.path.join(self.dir, "fastly.txt")
        self.cf_cache = os.path.join(self.dir, "cf.txt")

    def tearDown(self):
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)

    def config(self, fastly_extra="", mode="fastly-proxy"):
        path = os.path.join(self.dir, "doorman.toml")
        with open(path, "w") as f:
            f.write(f"""
[[listener]]
address = "127.0.0.1:8080"

[[route]]
route = "fastly.example.com"
upstream = "builtin:echo"
source_ip = "{mode}"

[[route]]
upstream = "builtin:echo"
source_ip = "auto"

[cloudflare]
refresh = false
cache_file = "{self.cf_cache}"

[fastly]
refresh = false
cache_file = "{self.fastly_cache}"
{fastly_extra}
""")
        return path

    def run_on(self, config, peer, host="fastly.example.com", header="Fastly-Client-IP"):
        return explain_json("--peer", peer, "--config", config, "--host", host, "-H",
                            f"{header}: {CLIENT}")

    def test_route_in_fastly_proxy_mode(self):
        config = self.config()
        out = self.run_on(config, FASTLY_PEER_V4)
        self.assertEqual(out["mode"], "fastly-proxy")
        self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"))
        out = self.run_on(config, NOT_FASTLY)
        self.assertEqual((out["status"], out["reason"]), (403, "not-fastly"))

    def test_auto_route_uses_fastly_only_when_enabled(self):
        out = self.run_on(self.config(), FASTLY_PEER_V6, host="other.test")
        self.assertEqual((out["mode"], out["client_ip"], out["source"]),
                         ("auto", FASTLY_PEER_V6, "peer"))
        out = self.run_on(self.config("auto = true"), FASTLY_PEER_V6, host="other.test")
        self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"))

    def test_cache_overlays_the_bundled_list(self):
        with open(self.fastly_cache, "w") as f:
            f.write(CACHE_HEADER + "192.0.2.0/24\n")
        config = self.config()
        out = self.run_on(config, "192.0.2.44")
        self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"))
        out = self.run_on(config, FASTLY_PEER_V4)
        self.assertEqual((out["status"], out["reason"]), (403, "not-fastly"))

    def test_corrupt_cache_is_reported_and_the_bundled_list_used(self):
        with open(self.fastly_cache, "w") as f:
            f.write(CACHE_HEADER + "not a cidr\n")
        proc = explain("--peer", FASTLY_PEER_V4, "--config", self.config(), "--host",
                       "fastly.example.com", "-H", f"Fastly-Client-IP: {CLIENT}", "--json")
        self.assertEqual(json.loads(proc.stdout)["client_ip"], CLIENT)
        self.assertIn("fastly ranges: cache ignored", proc.stderr)

    def test_static_ranges_file_wins_over_the_cache(self):
        with open(self.fastly_cache, "w") as f:
            f.write(CACHE_HEADER + "192.0.2.0/24\n")
        static = os.path.join(self.dir, "static.txt")
        with open(static, "w") as f:
            f.write("198.18.0.0/15\n")
        config = self.config(f'ranges_file = "{static}"')
        out = self.run_on(config, "198.18.1.1")
        self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"))
        out = self.run_on(config, "192.0.2.44")
        self.assertEqual(out["reason"], "not-fastly")

    def test_fastly_ranges_option_overrides_the_config(self):
        path = os.path.join(self.dir, "override.txt")
        with open(path, "w") as f:
            f.write("203.0.113.0/24\n")
        out = explain_json("--peer", NOT_FASTLY, "--config", self.config(), "--host",
                           "fastly.example.com", "--fastly-ranges", path, "-H",
                           f"Fastly-Client-IP: {CLIENT}")
        self.assertEqual(decision(out)[:3], (200, CLIENT, "fastly-client-ip"))

    def test_cloudflare_cache_overlays_too(self):
        # The Cloudflare set is read the same way: a cache listing 192.0.2.0/24 makes that peer
        # a Cloudflare peer for the auto route.
        with open(self.cf_cache, "w") as f:
            f.write(CACHE_HEADER + "192.0.2.0/24\n")
        out = self.run_on(self.config(), "192.0.2.44", host="other.test",
                          header="CF-Connecting-IP")
        self.assertEqual((out["client_ip"], out["source"]), (CLIENT, "cf-connecting-ip"))


if __name__ == "__main__":
    unittest.main()
