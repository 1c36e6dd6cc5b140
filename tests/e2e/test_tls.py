"""TLS termination through the real binary: certificates chosen by SNI (exact, wildcard, the
default for no SNI, unknown SNI -> unrecognized_name alert, logged) checked with
`openssl s_client -servername`; curl --resolve ... https:// through to builtin:echo, which sees
X-Forwarded-Proto: https; ALPN http/1.1; TLS 1.2 session resumption; a PROXY header before the
ClientHello; a client speaking plain HTTP to a TLS port; configuration errors naming the file."""

import json
import os
import socket
import ssl
import struct
import subprocess
import unittest

from harness import DoormanTestCase, RawConnection, connect, curl, run_doorman, wait_until


def make_cert(tmp, name, cn, sans):
    key = os.path.join(tmp.path, name + ".key")
    crt = os.path.join(tmp.path, name + ".crt")
    argv = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "1", "-subj", "/CN=" + cn, "-keyout", key, "-out", crt]
    if sans:
        argv += ["-addext", "subjectAltName=" + ",".join("DNS:" + s for s in sans)]
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    return crt, key


def s_client(port, servername=None, extra=()):
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *extra]
    argv += ["-servername", servername] if servername else ["-noservername"]
    p = subprocess.run(argv, input=b"", capture_output=True, timeout=30)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def subject(output):
    for line in output.splitlines():
        if line.startswith("subject="):
            return line.split("CN = ", 1)[1].strip()
    return None


class Tls(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.exact = make_cert(self.tmp, "exact", "exact.test", ["exact.test"])
        self.wild = make_cert(self.tmp, "wild", "wild", ["*.wild.test"])
        self.dflt = make_cert(self.tmp, "default", "default.test", [])  # CN only

    def config(self, default=True, extra_listener="", route_extra=""):
        certs = ""
        for (crt, key), is_default in ((self.exact, False), (self.wild, False), (self.dflt, default)):
            certs += f'[[listener.certificate]]\ncert = "{crt}"\nkey = "{key}"\n'
            if is_default:
                certs += "default = true\n"
        return f"""
[[listener]]
address = "127.0.0.1:0"
tls = true
{extra_listener}
{certs}

[server]
workers = 1

[[route]]
upstream = "builtin:echo"
https_redirect = true
{route_extra}
"""

    def test_sni_selects_the_certificate(self):
        d = self.start_doorman(self.config(default=True))
        cases = [("exact.test", "exact.test"), ("EXACT.test", "exact.test"),
                 ("a.wild.test", "wild"), ("a.b.wild.test", "default.test"),
                 ("wild.test", "default.test"), ("other.test", "default.test"), (None, "default.test")]
        for name, expected in cases:
            rc, out = s_client(d.port, name)
            self.assertEqual(subject(out), expected, (name, out[-400:]))

    def test_unknown_sni_without_default_is_an_alert(self):
        d = self.start_doorman(self.config(default=False))
        rc, out = s_client(d.port, "unknown.test")
        self.assertNotEqual(rc, 0)
        self.assertIn("unrecognized name", out)
        wait_until(lambda: "no certificate for server name 'unknown.test'" in d.stderr(), what="log")
        # Without SNI at all the first certificate answers.
        self.assertEqual(subject(s_client(d.port, None)[1]), "exact.test")
        self.assertEqual(subject(s_client(d.port, "x.wild.test")[1]), "wild")

    def test_curl_https_to_echo(self):
        d = self.start_doorman(self.config())
        rc, out, err = curl("--resolve", f"exact.test:{d.port}:127.0.0.1", "--cacert", self.exact[0],
                            "-H", "X-Forwarded-Proto: http", f"https://exact.test:{d.port}/hello?x=1")
        self.assertEqual(rc, 0, err)
        r = json.loads(out)
        # Not redirected (already https), and the app is told https whatever the client says.
        self.assertEqual(r["path"], "/hello?x=1")
        self.assertEqual(r["headers"]["x-forwarded-proto"], "https")
        # Keep-alive over TLS: two requests on one connection.
        rc, out, err = curl("--resolve", f"exact.test:{d.port}:127.0.0.1", "--cacert", self.exact[0],
                            f"https://exact.test:{d.port}/1", "--next", "--resolve",
                            f"exact.test:{d.port}:127.0.0.1", "--cacert", self.exact[0],
                            f"https://exact.test:{d.port}/2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count(b'"x-forwarded-proto":"https"'), 2)

    def test_alpn_and_versions(self):
        d = self.start_doorman(self.config())
        rc, out = s_client(d.port, "exact.test", ["-alpn", "h2,http/1.1"])
        self.assertIn("ALPN protocol: h2", out)  # HTTP/2 is preferred (docs/http2.md)
        rc, out = s_client(d.port, "exact.test", ["-alpn", "http/1.1"])
        self.assertIn("ALPN protocol: http/1.1", out)
        rc, out = s_client(d.port, "exact.test", ["-tls1_1"])
        self.assertNotEqual(rc, 0)
        rc, out = s_client(d.port, "exact.test", ["-tls1_2"])
        self.assertIn("TLSv1.2", out)

    def test_tls12_session_resumption(self):
        d = self.start_doorman(self.config())
        sess = os.path.join(self.tmp.path, "sess.pem")
        rc, out = s_client(d.port, "exact.test", ["-tls1_2", "-sess_out", sess])
        self.assertIn("New, TLSv1.2", out)
        rc, out = s_client(d.port, "exact.test", ["-tls1_2", "-sess_in", sess])
        self.assertIn("Reused, TLSv1.2", out)

    def test_proxy_header_before_the_handshake(self):
        d = self.start_doorman(self.config(extra_listener='proxy_protocol = "v1"'))
        ctx = ssl.create_default_context(cafile=self.exact[0])
        raw = connect(d.port)
        raw.sendall(b"PROXY TCP4 203.0.113.5 127.0.0.1 4000 443\r\n")
        with ctx.wrap_socket(raw, server_hostname="exact.test") as s:
            s.sendall(b"GET /pp HTTP/1.1\r\nHost: exact.test\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                data += piece
        r = json.loads(data.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(r["client_ip"], "203.0.113.5")
        self.assertEqual(r["headers"]["x-forwarded-proto"], "https")
        # curl sends the PROXY header before its ClientHello too.
        rc, out, err = curl("--haproxy-protocol", "--resolve", f"exact.test:{d.port}:127.0.0.1",
                            "--cacert", self.exact[0], f"https://exact.test:{d.port}/c")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["proxy_protocol"]["version"], 1)

    def test_connection_close_ends_with_close_notify(self):
        d = self.start_doorman(self.config())
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.exact[0])
        # Without this option a TCP close without close_notify raises SSLEOFError ("unexpected
        # eof"), which is exactly what a truncated response looks like to a careful client.
        ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx.maximum_version = version
            with ctx.wrap_socket(connect(d.port), server_hostname="exact.test",
                                 suppress_ragged_eofs=False) as s:
                s.sendall(b"GET /c HTTP/1.1\r\nHost: exact.test\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    piece = s.recv(65536)  # b"" only after the server's close_notify
                    if not piece:
                        break
                    data += piece
            self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data[:100])
            self.assertIn(b'"path":"/c"', data)

    def test_plain_http_to_a_tls_port_is_closed(self):
        d = self.start_doorman(self.config())
        with RawConnection(d.port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: exact.test\r\n\r\n")
            self.assertTrue(c.is_closed())
        wait_until(lambda: "tls: handshake with 127.0.0.1 failed" in d.stderr(), what="log")
        # Others are still served.
        rc, out, err = curl("--resolve", f"exact.test:{d.port}:127.0.0.1", "--cacert", self.exact[0],
                            f"https://exact.test:{d.port}/")
        self.assertEqual(rc, 0, err)

    def test_config_errors_name_the_file(self):
        other = make_cert(self.tmp, "other", "other.test", ["other.test"])
        cases = [
            (f'cert = "{self.tmp.path}/missing.crt"\nkey = "{self.exact[1]}"', "missing.crt': cannot read"),
            (f'cert = "{self.exact[0]}"\nkey = "{other[1]}"', "other.key"),
            (f'cert = "{self.exact[1]}"\nkey = "{self.exact[1]}"', "exact.key': not a PEM certificate"),
        ]
        for cert_lines, expected in cases:
            path = self.tmp.write("bad.toml", f"""
[[listener]]
address = "127.0.0.1:0"
tls = true
[[listener.certificate]]
{cert_lines}

[[route]]
upstream = "builtin:echo"
""")
            rc, out, err = run_doorman("check", "--config", path)
            self.assertNotEqual(rc, 0, cert_lines)
            self.assertIn(expected, out + err, cert_lines)
            self.assertIn("listener[1].certificate", out + err)


if __name__ == "__main__":
    unittest.main()
