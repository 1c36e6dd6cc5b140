"""Routing through the real binary: exact beats wildcard, wildcard not the apex, longest path
prefix, Host with port or trailing dot, default route, and 404 without a route."""

import unittest

from harness import DoormanTestCase, RawConnection

ROUTES = """
[server]
workers = 1

[[route]]
route = "www.example.com"
upstream = "builtin:echo"

[[route]]
route = "*.example.com"
upstream = "builtin:echo"

[[route]]
routes = ["example.com/docs/*", "docs.example.org"]
upstream = "builtin:echo"

[[route]]
route = "example.com/docs/api/*"
upstream = "builtin:echo"
"""


class Routing(DoormanTestCase):
    def get(self, port, host, path="/"):
        with RawConnection(port) as c:
            c.send(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            return c.read_response()

    def test_route_selection(self):
        d = self.start_doorman(ROUTES)
        cases = [
            ("www.example.com", "/", "www.example.com"),
            ("WWW.Example.COM:8080", "/", "www.example.com"),
            ("www.example.com.", "/", "www.example.com"),
            ("a.example.com", "/", "*.example.com"),
            ("deep.a.example.com", "/x", "*.example.com"),
            ("example.com", "/docs/intro", "example.com/docs/*"),
            ("example.com", "/docs/api/v2", "example.com/docs/api/*"),
            ("docs.example.org", "/anything", "example.com/docs/*"),
        ]
        for host, path, route in cases:
            r = self.get(d.port, host, path)
            self.assertEqual(r.status, 200, (host, path))
            self.assertEqual(r.json()["route"], route, (host, path))

    def test_no_route_is_a_short_404(self):
        d = self.start_doorman(ROUTES)
        for host, path in (("example.com", "/"), ("other.test", "/docs/x"), ("example.com", "/doc")):
            r = self.get(d.port, host, path)
            self.assertEqual(r.status, 404, (host, path))
            self.assertEqual(r.body, b"no-route\n")
        # the connection stays usable after a 404
        with RawConnection(d.port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: nowhere\r\n\r\nGET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
            self.assertEqual(c.read_response().status, 404)
            self.assertEqual(c.read_response().status, 200)

    def test_default_route(self):
        d = self.start_doorman(ROUTES + '\n[[route]]\nupstream = "builtin:echo"\n')
        self.assertEqual(self.get(d.port, "example.com").json()["route"], "default")
        self.assertEqual(self.get(d.port, "a.example.com").json()["route"], "*.example.com")

    def test_ipv6_listener(self):
        import socket

        try:
            with socket.socket(socket.AF_INET6) as s6:
                s6.bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback")
        from harness import Doorman

        d = Doorman('[[listener]]\naddress = "[::1]:0"\n[[route]]\nupstream = "builtin:echo"\n', tmp=self.tmp)
        d.start()
        self.cleanups.append(d.stop)
        self.assertTrue(d.addresses[0].startswith("[::1]:"))
        with RawConnection(d.port, host="::1") as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            j = c.read_response().json()
            self.assertEqual(j["peer"], "::1")
            self.assertEqual(j["client_ip"], "::1")

    def test_unix_listener(self):
        import socket

        from harness import Doorman

        path = f"{self.tmp.path}/d.sock"
        d = Doorman(f'[[listener]]\naddress = "unix:{path}"\n[[route]]\nupstream = "builtin:echo"\n', tmp=self.tmp)
        d.start()
        self.cleanups.append(d.stop)
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.sendall(b"GET /u HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        self.assertIn(b'"path":"/u"', data)
        self.assertIn(b'"peer":"unix"', data)


if __name__ == "__main__":
    unittest.main()
