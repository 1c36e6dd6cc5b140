"""Client identity per DESIGN.md through the real binary: trusted and untrusted peers on
loopback (127.0.0.2+ as untrusted sources with trust_loopback = false), the walk, strict-mode
403s, Cloudflare modes with a ranges file, and the upstream header contract."""

import unittest

from harness import DoormanTestCase, RawConnection, echo_headers


def request(port, headers=(), source=None, path="/", host="app.test"):
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}"] + [f"{k}: {v}" for k, v in headers]
    with RawConnection(port, source=source) as c:
        c.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return c.read_response()


class UntrustedPeer(DoormanTestCase):
    """trust_loopback = false: a client on 127.0.0.2 is an untrusted direct client."""

    def setUp(self):
        super().setUp()
        self.d = self.start_doorman(
            '[server]\ntrust_loopback = false\ntrusted_proxies = ["127.0.0.9/32"]\n\n'
            '[[route]]\nroute = "strict.test"\nupstream = "builtin:echo"\nsource_ip = "trusted-proxy"\n\n'
            '[[route]]\nroute = "cf.test"\nupstream = "builtin:echo"\nsource_ip = "cloudflare-proxy"\n\n'
            '[[route]]\nupstream = "builtin:echo"\n'
        )

    def test_spoofed_headers_are_ignored_and_scrubbed(self):
        r = request(self.d.port, [("X-Forwarded-For", "6.6.6.6"), ("X-Real-IP", "6.6.6.6"),
                                  ("CF-Connecting-IP", "6.6.6.6"), ("True-Client-IP", "6.6.6.6"),
                                  ("X_Forwarded_For", "6.6.6.6"), ("X.Real.IP", "6.6.6.6"),
                                  ("Forwarded", "for=6.6.6.6"), ("X-Forwarded-Proto", "https")],
                    source="127.0.0.2")
        j = r.json()
        self.assertEqual(j["client_ip"], "127.0.0.2")
        self.assertEqual(j["client_ip_source"], "peer")
        h = echo_headers(r)
        self.assertEqual(h["x-forwarded-for"], ["127.0.0.2"])
        self.assertEqual(h["x-forwarded-proto"], ["http"])
        for name in ("x-real-ip", "cf-connecting-ip", "true-client-ip", "x_forwarded_for",
                     "x.real.ip", "forwarded"):
            self.assertNotIn(name, h)

    def test_connection_header_cannot_remove_doorman_headers(self):
        r = request(self.d.port, [("Connection", "X-Forwarded-For, X-Request-ID, X-Forwarded-Proto")],
                    source="127.0.0.2")
        h = echo_headers(r)
        self.assertEqual(h["x-forwarded-for"], ["127.0.0.2"])
        self.assertIn("x-request-id", h)
        self.assertIn("x-forwarded-proto", h)

    def test_strict_modes_answer_403(self):
        cases = [
            ("strict.test", "127.0.0.2", [("X-Forwarded-For", "1.2.3.4")], "untrusted-peer"),
            ("strict.test", "127.0.0.9", [], "missing-forwarding-header"),
            ("cf.test", "127.0.0.2", [("CF-Connecting-IP", "1.2.3.4")], "not-cloudflare"),
        ]
        for host, source, headers, reason in cases:
            r = request(self.d.port, headers, source=source, host=host)
            self.assertEqual(r.status, 403, (host, source))
            self.assertEqual(r.body.decode(), f"forbidden: {reason}\n")

    def test_trusted_proxy_walk_from_a_trusted_peer(self):
        r = request(self.d.port, [("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 127.0.0.9")],
                    source="127.0.0.9", host="strict.test")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["client_ip"], "203.0.113.7")
        self.assertEqual(echo_headers(r)["x-forwarded-for"], ["203.0.113.7"])

    def test_request_id_from_untrusted_peer_is_replaced(self):
        r = request(self.d.port, [("X-Request-ID", "client-chosen")], source="127.0.0.2")
        self.assertNotEqual(echo_headers(r)["x-request-id"], ["client-chosen"])
        r = request(self.d.port, [("X-Request-ID", "proxy-chosen"), ("X-Forwarded-For", "1.2.3.4")],
                    source="127.0.0.9")
        self.assertEqual(echo_headers(r)["x-request-id"], ["proxy-chosen"])


class Cloudflare(DoormanTestCase):
    def setUp(self):
        super().setUp()
        ranges = self.tmp.write("cf.txt", "# test ranges\n127.0.0.4/32\n::ffff:127.0.0.5/128\n")
        self.d = self.start_doorman(
            f'[server]\ntrust_loopback = false\ntrusted_proxies = ["127.0.0.8/32"]\n\n'
            f'[cloudflare]\nranges_file = "{ranges}"\n\n'
            '[[route]]\nroute = "cf.test"\nupstream = "builtin:echo"\nsource_ip = "cloudflare-proxy"\n\n'
            '[[route]]\nroute = "tunnel.test"\nupstream = "builtin:echo"\nsource_ip = "cloudflare-tunnel"\n\n'
            '[[route]]\nupstream = "builtin:echo"\n'
        )

    def test_cloudflare_proxy_mode(self):
        r = request(self.d.port, [("CF-Connecting-IP", "2001:db8::7")], source="127.0.0.4", host="cf.test")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["client_ip"], "2001:db8::7")
        self.assertEqual(r.json()["client_ip_source"], "cf-connecting-ip")
        h = echo_headers(r)
        self.assertEqual(h["x-forwarded-for"], ["2001:db8::7"])
        self.assertEqual(h["cf-connecting-ip"], ["2001:db8::7"])  # accepted: passes unchanged
        for headers, reason in (([], "missing-cf-connecting-ip"),
                                ([("CF-Connecting-IP", "1.2.3.4, 5.6.7.8")], "invalid-cf-connecting-ip")):
            r = request(self.d.port, headers, source="127.0.0.4", host="cf.test")
            self.assertEqual(r.status, 403)
            self.assertEqual(r.body.decode(), f"forbidden: {reason}\n")

    def test_auto_uses_cloudflare_rule_then_peer(self):
        r = request(self.d.port, [("CF-Connecting-IP", "198.51.100.3")], source="127.0.0.5")
        self.assertEqual(r.json()["client_ip"], "198.51.100.3")
        r = request(self.d.port, [("CF-Connecting-IP", "198.51.100.3")], source="127.0.0.6")
        self.assertEqual(r.json()["client_ip"], "127.0.0.6")

    def test_tunnel_mode_needs_a_trusted_peer(self):
        r = request(self.d.port, [("CF-Connecting-IP", "198.51.100.4")], source="127.0.0.8", host="tunnel.test")
        self.assertEqual(r.json()["client_ip"], "198.51.100.4")
        r = request(self.d.port, [("CF-Connecting-IP", "198.51.100.4")], source="127.0.0.4", host="tunnel.test")
        self.assertEqual(r.status, 403)


class UpstreamContract(DoormanTestCase):
    def test_chain_forwarded_and_client_ip_header(self):
        d = self.start_doorman(
            '[server]\ntrusted_proxies = ["10.0.0.0/8"]\n\n[[route]]\nupstream = "builtin:echo"\n'
            'x_forwarded_for = "chain"\nforwarded = "set"\nclient_ip_header = "X-Real-IP"\n'
        )
        r = request(d.port, [("X-Forwarded-For", "2001:db8::1, 10.1.1.1"), ("X-Real-IP", "6.6.6.6"),
                             ("X_Real_IP", "6.6.6.6")])
        h = echo_headers(r)
        self.assertEqual(r.json()["client_ip"], "2001:db8::1")
        # chain: the client, then the trusted list elements walked (the socket peer is not one)
        self.assertEqual(h["x-forwarded-for"], ["2001:db8::1, 10.1.1.1"])
        self.assertEqual(h["forwarded"], ['for="[2001:db8::1]";proto=http;host=app.test'])
        self.assertEqual(h["x-real-ip"], ["2001:db8::1"])
        self.assertNotIn("x_real_ip", h)

    def test_remove_mode_and_forwarded_header_choice(self):
        d = self.start_doorman(
            '[server]\nforwarded_header = "forwarded"\n\n[[route]]\nupstream = "builtin:echo"\n'
            'x_forwarded_for = "remove"\n'
        )
        r = request(d.port, [("X-Forwarded-For", "6.6.6.6"), ("Forwarded", 'for="[2001:db8::2]"')])
        self.assertEqual(r.json()["client_ip"], "2001:db8::2")  # only Forwarded is read
        self.assertNotIn("x-forwarded-for", echo_headers(r))


if __name__ == "__main__":
    unittest.main()
