"""PROXY protocol toward upstreams (route key upstream_proxy_protocol): the far side is a raw
capture server whose bytes are checked with `doorman proxy-header decode --json`. The header
names the resolved client (after the X-Forwarded-For walk), v2 carries AUTHORITY and UNIQUE_ID =
the request id (plus ALPN and SSL behind a TLS listener), and connections are never pooled:
a keep-alive upstream sees one connection, with its own header, per request."""

import json
import os
import socket
import subprocess
import threading
import unittest

import proxy_protocol_helpers as pp
from harness import DoormanTestCase, RawConnection, curl, self_signed


class KeepAliveCapture:
    """An upstream that keeps connections alive: per connection, the raw bytes up to the end of
    the first request head (PROXY header included) and the paths of every request it served."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []  # [{"first": bytes, "paths": [..]}]
        self.lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        record = {"first": None, "paths": []}
        with self.lock:
            self.connections.append(record)
        data = b""
        conn.settimeout(20)
        try:
            while True:
                n = pp.header_length(data) or 0
                if n == 0 and (data.startswith(b"PROXY") or data.startswith(pp.V2_SIGNATURE)):
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                    continue
                end = data.find(b"\r\n\r\n", n)
                if end < 0:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                    continue
                head = data[n:end].decode("latin-1")
                if record["first"] is None:
                    record["first"] = data[:end + 4]
                record["paths"].append(head.split(" ")[1])
                data = data[end + 4:]
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def config(upstream_port, version, listener_extra=""):
    return f"""
[[listener]]
address = "127.0.0.1:0"
{listener_extra}

[server]
workers = 1

[[route]]
upstream = "127.0.0.1:{upstream_port}"
upstream_proxy_protocol = "{version}"
"""


class UpstreamProxy(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.capture = pp.CapturingServer()
        self.cleanups.append(self.capture.close)

    def forwarded(self, port, xff=None, host="example.com"):
        head = f"GET /x HTTP/1.1\r\nHost: {host}:{port}\r\n"
        if xff:
            head += f"X-Forwarded-For: {xff}\r\n"
        with RawConnection(port) as c:
            self.client_port = c.sock.getsockname()[1]
            c.send(head + "\r\n")
            self.assertEqual(c.read_response().status, 200)
        data = self.capture.next_capture(contains=b"GET /x")
        rc, result = pp.decode(data)
        self.assertEqual(rc, 0, result)
        payload = data[result["consumed"]:].decode("latin-1")
        self.assertTrue(payload.startswith("GET /x HTTP/1.1\r\n"), payload)
        headers = {}
        for line in payload.split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        return result, headers

    def test_v2_names_the_resolved_client_with_tlvs(self):
        d = self.start_doorman(config(self.capture.port, "v2"))
        r, headers = self.forwarded(d.port, xff="198.51.100.7")
        self.assertEqual((r["version"], r["command"], r["family"]), (2, "PROXY", "TCP4"))
        # A client resolved from a header has no port; dst is where the client connected.
        self.assertEqual(r["src"], "198.51.100.7:0")
        self.assertEqual(r["dst"], f"127.0.0.1:{d.port}")
        self.assertEqual(headers["x-forwarded-for"], "198.51.100.7")
        self.assertEqual(r["typed"]["authority"], "example.com")
        self.assertEqual(bytes.fromhex(r["typed"]["unique_id_hex"]).decode(), headers["x-request-id"])
        self.assertNotIn("ssl", r["typed"])
        # IPv6 client through an IPv4 listener: the v2 header is INET6 (IPv4 mapped dst).
        r, _ = self.forwarded(d.port, xff="2001:db8::9")
        self.assertEqual((r["family"], r["src"]), ("TCP6", "[2001:db8::9]:0"))

    def test_v1(self):
        d = self.start_doorman(config(self.capture.port, "v1"))
        r, _ = self.forwarded(d.port)
        # The socket peer is the client: its real source port goes upstream.
        self.assertEqual((r["version"], r["family"], r["src"], r["dst"]),
                         (1, "TCP4", f"127.0.0.1:{self.client_port}", f"127.0.0.1:{d.port}"))
        r, _ = self.forwarded(d.port, xff="2001:db8::10")
        self.assertEqual((r["family"], r["src"]), ("TCP6", "[2001:db8::10]:0"))

    def test_proxy_in_proxy_out_keeps_both_endpoints(self):
        d = self.start_doorman(config(self.capture.port, "v2", 'proxy_protocol = "v1"'))
        with RawConnection(d.port) as c:
            c.send("PROXY TCP4 203.0.113.9 192.0.2.1 40000 443\r\n"
                   "GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
        rc, r = pp.decode(self.capture.next_capture(contains=b"GET /x"))
        self.assertEqual(rc, 0, r)
        self.assertEqual((r["src"], r["dst"]), ("203.0.113.9:40000", "192.0.2.1:443"))
        # The same listener with an X-Forwarded-For from the (untrusted) PROXY client: ignored in
        # auto mode, so the PROXY source and its port still go upstream.
        with RawConnection(d.port) as c:
            c.send("PROXY TCP6 2001:db8::5 2001:db8::1 5555 8443\r\n"
                   "GET /x HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
        rc, r = pp.decode(self.capture.next_capture(contains=b"GET /x"))
        self.assertEqual((r["family"], r["src"], r["dst"]),
                         ("TCP6", "[2001:db8::5]:5555", "[2001:db8::1]:8443"))

    def test_connections_are_not_pooled(self):
        origin = KeepAliveCapture()
        self.cleanups.append(origin.close)
        d = self.start_doorman(config(origin.port, "v2"))
        # Two clients one after the other, and one client with two requests on one connection.
        for xff in ("198.51.100.1", "198.51.100.2"):
            with RawConnection(d.port) as c:
                c.send(f"GET /{xff} HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: {xff}\r\n\r\n")
                self.assertEqual(c.read_response().status, 200)
        with RawConnection(d.port) as c:
            c.send("GET /k1 HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.3\r\n\r\n"
                   "GET /k2 HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.4\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
            self.assertEqual(c.read_response().status, 200)
        with origin.lock:
            conns = list(origin.connections)
        self.assertEqual([c["paths"] for c in conns],
                         [["/198.51.100.1"], ["/198.51.100.2"], ["/k1"], ["/k2"]])
        sources = [pp.decode(c["first"])[1]["src"] for c in conns]
        self.assertEqual(sources, ["198.51.100.1:0", "198.51.100.2:0", "198.51.100.3:0",
                                   "198.51.100.4:0"])

    def test_tls_listener_adds_alpn_and_ssl(self):
        crt, key = self_signed(self.tmp.path, "app.test")
        listener = f'tls = true\n[[listener.certificate]]\ncert = "{crt}"\nkey = "{key}"\n'
        d = self.start_doorman(config(self.capture.port, "v2", listener))
        # The ALPN TLV carries what the client negotiated with doorman, whatever the upstream speaks.
        for flag, alpn in (("--http1.1", "http/1.1"), ("--http2", "h2")):
            path = "/x-" + alpn
            rc, out, err = curl(flag, "--resolve", f"app.test:{d.port}:127.0.0.1", "--cacert", crt,
                                f"https://app.test:{d.port}{path}")
            self.assertEqual(rc, 0, err)
            rc, r = pp.decode(self.capture.next_capture(contains=b"GET " + path.encode()))
            t = r["typed"]
            self.assertEqual((t["alpn"], t["authority"]), (alpn, "app.test"))
            self.assertTrue(t["ssl"]["client_ssl"])
            self.assertTrue(t["ssl"]["version"].startswith("TLSv1."))

    def test_config_errors(self):
        path = self.tmp.write("bad.toml", '[[listener]]\naddress = "127.0.0.1:0"\n[[route]]\n'
                              'upstream = "127.0.0.1:1"\nupstream_proxy_protocol = "v3"\n')
        from harness import run_doorman
        rc, out, err = run_doorman("check", "--config", path)
        self.assertNotEqual(rc, 0)
        self.assertIn("route[1].upstream_proxy_protocol: expected one of", out + err)


if __name__ == "__main__":
    unittest.main()
