"""Client identity per DESIGN.md through the real binary: trusted and untrusted peers on
loopback (127.0.0.2+ as untrusted sources with trust_loopback = false), the walk, strict-mode
403s, Cloudflare modes with a ranges file, and the upstream header contract."""

import unittest

from harness import DoormanTestCase, RawConnection, curl, echo_headers


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


CLAIMS = [("CF-Connecting-IP", "6.6.6.1"), ("CF-Connecting-IPv6", "2001:db8:6::1"),
          ("True-Client-IP", "6.6.6.2"), ("X-Real-IP", "6.6.6.3"),
          ("Fastly-Client-IP", "6.6.6.4"), ("X-Client-IP", "6.6.6.5"),
          ("X-Cluster-Client-IP", "6.6.6.6"), ("CloudFront-Viewer-Address", "6.6.6.7:443"),
          ("CF-Visitor", '{"scheme":"https"}')]


class ClaimsFromATrustedPeer(DoormanTestCase):
    """A trusted front proxy relays whatever its own client wrote: of the client-claim headers
    (CF-Connecting-IP, True-Client-IP, X-Real-IP, ...) only the one doorman's accepted decision
    was read from reaches the app, on HTTP/1.1 and HTTP/2 alike; X-Forwarded-Host (no decision
    reads it) still passes from a trusted peer. A recording origin shows what the app got."""

    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        ranges = self.tmp.write("cf.txt", "127.0.0.4/32\n")
        self.d = self.start_doorman(f"""
[[listener]]
address = "127.0.0.1:0"
h2c = true

[cloudflare]
ranges_file = "{ranges}"

[[route]]
route = "direct.test"
upstream = "{self.origin.address}"
source_ip = "direct"

[[route]]
route = "tunnel.test"
upstream = "{self.origin.address}"
source_ip = "cloudflare-tunnel"

[[route]]
route = "cf.test"
upstream = "{self.origin.address}"
source_ip = "cloudflare-proxy"

[[route]]
route = "realip.test"
upstream = "{self.origin.address}"
client_ip_header = "X-Real-IP"

[[route]]
upstream = "{self.origin.address}"
""")

    def received(self, tag):
        """The headers the origin got for the request whose path carries `tag`."""
        for _, path, headers, _ in self.origin.requests:
            if tag in path:
                out = {}
                for k, v in headers:
                    out.setdefault(k.lower(), []).append(v)
                return out
        self.fail(f"the origin never saw {tag}")

    def send_h1(self, host, tag, headers, source=None):
        r = request(self.d.port, headers, source=source, path=f"/?{tag}", host=host)
        self.assertEqual(r.status, 200, r.body)
        return self.received(tag)

    def send_h2(self, host, tag, headers):
        args = ["--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                "-H", f"Host: {host}"]
        for k, v in headers:
            args += ["-H", f"{k}: {v}"]
        rc, out, err = curl(*args, f"http://127.0.0.1:{self.d.port}/?{tag}")
        self.assertEqual((rc, out), (0, b"200 2"), err)
        return self.received(tag)

    def assert_only(self, got, kept, context):
        """Of the claims, exactly `kept` reached the app (name -> value; by default the value
        the client sent)."""
        sent = dict(CLAIMS)
        kept = {name: sent[name] for name in kept} if not isinstance(kept, dict) else kept
        for name, _ in CLAIMS:
            if name in kept:
                self.assertEqual(got.get(name.lower()), [kept[name]], (context, name))
            else:
                self.assertNotIn(name.lower(), got, (context, name))

    def test_auto_and_direct_pass_no_ip_claim(self):
        headers = CLAIMS + [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Host", "app.example")]
        cases = (
            # auto: the client IP came from X-Forwarded-For (doorman writes its own), the scheme
            # from CF-Visitor (a trusted peer's): that claim alone passes.
            ("app.test", "203.0.113.7", "https", ("CF-Visitor",)),
            # direct: the peer and plain http; every forwarding header is ignored, none passes.
            ("direct.test", "127.0.0.1", "http", ()),
        )
        for send in (self.send_h1, self.send_h2):
            for host, xff, proto, kept in cases:
                context = f"{send.__name__} {host}"
                got = send(host, f"none-{send.__name__}-{host}", headers)
                self.assertEqual(got["x-forwarded-for"], [xff], context)
                self.assertEqual(got["x-forwarded-proto"], [proto], context)
                self.assert_only(got, kept, context)
                self.assertEqual(got["x-forwarded-host"], ["app.example"], context)

    def test_a_claim_is_not_kept_for_another_decision(self):
        # The scheme from X-Forwarded-Proto: CF-Visitor, unread, goes too.
        got = self.send_h1("app.test", "xfp", CLAIMS + [("X-Forwarded-Proto", "https")])
        self.assertEqual(got["x-forwarded-proto"], ["https"])
        self.assertEqual(got["x-forwarded-for"], ["127.0.0.1"])
        self.assert_only(got, (), "scheme from X-Forwarded-Proto")

    def test_tunnel_passes_only_cf_connecting_ip(self):
        # (without CF-Visitor: the scheme is the default, decided from no header)
        for send in (self.send_h1, self.send_h2):
            got = send("tunnel.test", f"tunnel-{send.__name__}",
                       [c for c in CLAIMS if c[0] != "CF-Visitor"])
            self.assertEqual(got["x-forwarded-for"], ["6.6.6.1"], send.__name__)
            self.assert_only(got, ("CF-Connecting-IP",), send.__name__)

    def test_cloudflare_proxy_passes_the_ip_and_the_scheme_it_decided_from(self):
        got = self.send_h1("cf.test", "cf-proxy", CLAIMS, source="127.0.0.4")
        self.assertEqual(got["x-forwarded-for"], ["6.6.6.1"])
        self.assertEqual(got["x-forwarded-proto"], ["https"])  # from CF-Visitor
        self.assert_only(got, ("CF-Connecting-IP", "CF-Visitor"), "cloudflare-proxy")

    def test_client_ip_header_is_doormans_own(self):
        for send in (self.send_h1, self.send_h2):
            got = send("realip.test", f"realip-{send.__name__}",
                       CLAIMS + [("X-Forwarded-For", "203.0.113.9")])
            self.assert_only(got, {"X-Real-IP": "203.0.113.9", "CF-Visitor": '{"scheme":"https"}'},
                             send.__name__)


if __name__ == "__main__":
    unittest.main()
