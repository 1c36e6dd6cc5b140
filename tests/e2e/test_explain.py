"""`doorman explain`: the real binary's answers, JSON contract and exit codes.

The resolver's rules are covered table by table in lib/identity/*_test.cc; these tests check
what a user of the command sees: the JSON keys, the step-by-step text, --config route lookup,
--cloudflare-ranges, and exit 2 with a clear message on bad arguments.
"""

import json
import os
import subprocess
import tempfile
import unittest

from harness import explain, explain_json

DOORMAN_BIN = os.environ["DOORMAN_BIN"]
CF_PEER_V4 = "173.245.48.10"  # inside Cloudflare's 173.245.48.0/20
CF_PEER_V6 = "2606:4700::1"


class ExplainJson(unittest.TestCase):
    def test_contract_keys(self):
        out = explain_json("--peer", "203.0.113.7")
        for key in ("status", "client_ip", "source", "reason", "proto", "steps"):
            self.assertIn(key, out)
        self.assertEqual(out["status"], 200)
        self.assertEqual(out["client_ip"], "203.0.113.7")
        self.assertEqual(out["source"], "peer")
        self.assertEqual(out["proto"], "http")
        self.assertTrue(out["steps"], "the walk is explained step by step")

    def test_auto_untrusted_peer_ignores_spoofed_xff(self):
        out = explain_json("--peer", "203.0.113.7", "-H", "X-Forwarded-For: 1.2.3.4")
        self.assertEqual(out["client_ip"], "203.0.113.7")
        self.assertEqual(out["source"], "peer")

    def test_trusted_proxy_walk_v4(self):
        out = explain_json("--peer", "10.0.0.5", "--mode", "trusted-proxy", "--trusted",
                           "10.0.0.0/8", "-H", "X-Forwarded-For: 198.51.100.1, 10.0.0.9")
        self.assertEqual(out["status"], 200)
        self.assertEqual(out["client_ip"], "198.51.100.1")
        self.assertEqual(out["source"], "x-forwarded-for")

    def test_trusted_proxy_walk_v6_forwarded(self):
        out = explain_json("--peer", "::1", "--mode", "trusted-proxy", "-H",
                           'Forwarded: for="[2001:db8::7]:4711";proto=https')
        self.assertEqual(out["client_ip"], "2001:db8::7")
        self.assertEqual(out["source"], "forwarded")
        self.assertEqual(out["proto"], "https")

    def test_trusted_proxy_untrusted_peer_is_403(self):
        out = explain_json("--peer", "203.0.113.7", "--mode", "trusted-proxy", "-H",
                           "X-Forwarded-For: 1.2.3.4")
        self.assertEqual(out["status"], 403)
        self.assertIsNone(out["client_ip"])
        self.assertEqual(out["reason"], "untrusted-peer")

    def test_cloudflare_proxy_bundled_ranges(self):
        for peer in (CF_PEER_V4, CF_PEER_V6):
            out = explain_json("--peer", peer, "--mode", "cloudflare-proxy", "-H",
                               "CF-Connecting-IP: 2001:db8::99")
            self.assertEqual((out["status"], out["client_ip"], out["source"]),
                             (200, "2001:db8::99", "cf-connecting-ip"), peer)

    def test_cloudflare_proxy_list_value_is_invalid(self):
        out = explain_json("--peer", CF_PEER_V4, "--mode", "cloudflare-proxy", "-H",
                           "CF-Connecting-IP: 1.2.3.4, 5.6.7.8")
        self.assertEqual(out["status"], 403)
        self.assertEqual(out["reason"], "invalid-cf-connecting-ip")

    def test_cloudflare_ranges_file_replaces_bundled_set(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("# test ranges\n192.0.2.0/24\n")
        try:
            out = explain_json("--peer", "192.0.2.44", "--mode", "cloudflare-proxy",
                               "--cloudflare-ranges", f.name, "-H", "CF-Connecting-IP: 8.8.8.8")
            self.assertEqual(out["client_ip"], "8.8.8.8")
            out = explain_json("--peer", CF_PEER_V4, "--mode", "cloudflare-proxy",
                               "--cloudflare-ranges", f.name, "-H", "CF-Connecting-IP: 8.8.8.8")
            self.assertEqual((out["status"], out["reason"]), (403, "not-cloudflare"))
        finally:
            os.unlink(f.name)

    def test_ipv4_mapped_peer_is_normalised(self):
        out = explain_json("--peer", "::ffff:127.0.0.1", "--mode", "trusted-proxy", "-H",
                           "X-Forwarded-For: 198.51.100.1")
        self.assertEqual(out["client_ip"], "198.51.100.1")

    def test_tls_makes_proto_https(self):
        out = explain_json("--peer", "203.0.113.7", "--tls")
        self.assertEqual(out["proto"], "https")


class ExplainHuman(unittest.TestCase):
    def test_human_output_names_decision_and_steps(self):
        proc = explain("--peer", "203.0.113.7", "--mode", "cloudflare-proxy", "-H",
                       "CF-Connecting-IP: 1.2.3.4")
        self.assertIn("403", proc.stdout)
        self.assertIn("not-cloudflare", proc.stdout)
        self.assertIn(" 1. ", proc.stdout)


class ExplainConfig(unittest.TestCase):
    CONFIG = """
[server]
trusted_proxies = ["10.0.0.0/8"]

[[listener]]
address = "127.0.0.1:8080"

[[route]]
route = "api.example.com"
upstream = "builtin:echo"
source_ip = "trusted-proxy"

[[route]]
upstream = "builtin:echo"
source_ip = "direct"
"""

    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write(self.CONFIG)

    def tearDown(self):
        os.unlink(self.path)

    def test_route_mode_and_trusted_proxies_from_config(self):
        out = explain_json("--peer", "10.1.2.3", "--config", self.path, "--host",
                           "API.example.com:443", "-H", "X-Forwarded-For: 198.51.100.1")
        self.assertEqual(out["client_ip"], "198.51.100.1")
        self.assertEqual(out["mode"], "trusted-proxy")

    def test_default_route_direct(self):
        out = explain_json("--peer", "10.1.2.3", "--config", self.path, "--host", "other.test",
                           "-H", "X-Forwarded-For: 198.51.100.1")
        self.assertEqual((out["client_ip"], out["source"], out["mode"]),
                         ("10.1.2.3", "peer", "direct"))


class ExplainErrors(unittest.TestCase):
    def check_usage_error(self, *args, mentions):
        proc = explain(*args, check_rc=2)
        self.assertIn(mentions, proc.stderr)

    def test_bad_peer(self):
        self.check_usage_error("--peer", "300.1.1.1", mentions="--peer")

    def test_missing_peer(self):
        self.check_usage_error("-H", "X-Forwarded-For: 1.2.3.4", mentions="peer")

    def test_bad_mode(self):
        self.check_usage_error("--peer", "1.2.3.4", "--mode", "sideways", mentions="--mode")

    def test_bad_header(self):
        self.check_usage_error("--peer", "1.2.3.4", "-H", "no colon here", mentions="-H")

    def test_bad_trusted_cidr(self):
        self.check_usage_error("--peer", "1.2.3.4", "--trusted", "10.0.0.0/33",
                               mentions="--trusted")

    def test_missing_ranges_file(self):
        self.check_usage_error("--peer", "1.2.3.4", "--cloudflare-ranges", "/nonexistent/x",
                               mentions="--cloudflare-ranges")

    def test_config_without_host(self):
        self.check_usage_error("--peer", "1.2.3.4", "--config", "/nonexistent.toml",
                               mentions="--host")


if __name__ == "__main__":
    unittest.main()
