"""HTTPS redirects through the real binary: 301 for GET/HEAD and 308 otherwise to
https://host/path?query without the http port, https_port, ACME challenges served over http, a
trusted front proxy's X-Forwarded-Proto: https honoured, and a direct client's spoofed
X-Forwarded-Proto / Forwarded / CF-Visitor ignored. curl follows nothing: it checks the reply."""

import unittest

from harness import DoormanTestCase, RawConnection, curl, wait_until

CONFIG = """
[server]
workers = 1
trust_loopback = {trust}

[log]
access = "stdout"

[[route]]
route = "example.com"
upstream = "builtin:echo"
https_redirect = true

[[route]]
route = "alt.example.com"
upstream = "builtin:echo"
https_redirect = true
https_port = 8443

[[route]]
route = "plain.example.com"
upstream = "builtin:echo"
"""


class HttpsRedirect(DoormanTestCase):
    def start(self, trust=True):
        return self.start_doorman(CONFIG.format(trust="true" if trust else "false"))

    def request(self, port, method, host, target, headers=(), body=b""):
        with RawConnection(port) as c:
            head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"
            for name, value in headers:
                head += f"{name}: {value}\r\n"
            if body:
                head += f"Content-Length: {len(body)}\r\n"
            c.send(head.encode() + b"\r\n" + body)
            r = c.read_response(head_request=method == "HEAD")
            r.closed_after = r.header("Connection", "").lower() == "close" and c.is_closed()
            return r

    def test_get_head_and_other_methods(self):
        d = self.start()
        host = f"example.com:{d.port}"
        r = self.request(d.port, "GET", host, "/a/b?x=1&y=2")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.header("Location"), "https://example.com/a/b?x=1&y=2")
        self.assertEqual(r.body, b"https-redirect\n")
        r = self.request(d.port, "HEAD", host, "/")
        self.assertEqual((r.status, r.header("Location"), r.body), (301, "https://example.com/", b""))
        # A POST with a body: 308 keeps the method; the unread body closes the connection.
        r = self.request(d.port, "POST", host, "/form", body=b"a=1")
        self.assertEqual((r.status, r.header("Location")), (308, "https://example.com/form"))
        self.assertTrue(r.closed_after)
        r = self.request(d.port, "DELETE", host, "/item/7")
        self.assertEqual(r.status, 308)
        # IPv6 literal Host: brackets kept, port dropped.
        r = self.request(d.port, "GET", f"[::1]:{d.port}", "http://example.com:80/abs?q")
        self.assertEqual(r.header("Location"), "https://example.com/abs?q")
        # https_port and a route without redirects.
        r = self.request(d.port, "GET", "alt.example.com", "/p")
        self.assertEqual(r.header("Location"), "https://alt.example.com:8443/p")
        self.assertEqual(self.request(d.port, "GET", "plain.example.com", "/").status, 200)
        # The access log names the reason.
        wait_until(lambda: any(" 301 https-redirect " in l for l in d.stdout_lines), what="log")

    def test_keep_alive_after_a_redirect(self):
        d = self.start()
        with RawConnection(d.port) as c:
            c.send(b"GET /1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
                   b"GET /2 HTTP/1.1\r\nHost: plain.example.com\r\n\r\n")
            self.assertEqual(c.read_response().status, 301)
            self.assertEqual(c.read_response().json()["path"], "/2")

    def test_acme_challenge_is_served_over_http(self):
        d = self.start()
        r = self.request(d.port, "GET", "example.com", "/.well-known/acme-challenge/tok123")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["path"], "/.well-known/acme-challenge/tok123")
        self.assertEqual(self.request(d.port, "GET", "example.com", "/.well-known/other").status, 301)

    def test_trusted_proxy_proto_is_honoured(self):
        d = self.start(trust=True)  # 127.0.0.1 is a trusted front proxy
        for header in (("X-Forwarded-Proto", "https"), ("Forwarded", "for=192.0.2.1;proto=https")):
            r = self.request(d.port, "GET", "example.com", "/", headers=[header, ("X-Forwarded-For", "192.0.2.1")])
            self.assertEqual(r.status, 200, header)
            self.assertEqual(r.json()["headers"]["x-forwarded-proto"], "https")
        r = self.request(d.port, "GET", "example.com", "/", headers=[("X-Forwarded-Proto", "http")])
        self.assertEqual(r.status, 301)

    def test_direct_client_cannot_spoof_https(self):
        d = self.start(trust=False)  # loopback is an ordinary direct client here
        spoofs = [
            [("X-Forwarded-Proto", "https")],
            [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "192.0.2.1")],
            [("Forwarded", "for=192.0.2.1;proto=https")],
            [("CF-Visitor", '{"scheme":"https"}'), ("CF-Connecting-IP", "192.0.2.1")],
        ]
        for headers in spoofs:
            r = self.request(d.port, "GET", "example.com", "/secret", headers=headers)
            self.assertEqual((r.status, r.header("Location")), (301, "https://example.com/secret"), headers)

    def test_curl(self):
        d = self.start(trust=False)
        rc, out, err = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                            "-H", "Host: example.com", "-H", "X-Forwarded-Proto: https",
                            f"http://127.0.0.1:{d.port}/x?y=z")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode(), "301 https://example.com/x?y=z")
        rc, out, err = curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-d", "v",
                            "-H", "Host: example.com", f"http://127.0.0.1:{d.port}/x")
        self.assertEqual(out.decode(), "308")


if __name__ == "__main__":
    unittest.main()
