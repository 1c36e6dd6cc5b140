"""`doorman doctor` and the matching `doorman check` warnings through the real binary, on loopback
(docs/deploy/cloudflare-locked-down.md "Check it").

Stand-ins made by the test: a "public" root CA (what browsers trust; handed to doctor with
--cacert), a Cloudflare Origin CA (its OU is Cloudflare's), an origin-pull CA with the edge's
client certificate, and a local "edge": a TLS server with a publicly trusted certificate that adds
cf-ray and CF-Connecting-IP and forwards to doorman with the origin-pull certificate, as
Cloudflare's proxy does. --resolve HOST:PORT:127.0.0.1 points "normal DNS" at the edge; --origin
names doorman's own listener. 127.0.0.1 is in the Cloudflare ranges, so the direct request looks
like another Cloudflare customer's zone: only origin pull can tell it apart.

Routes: locked.test (cloudflare-proxy, require_origin_pull, Origin CA certificate), open.test
(auto, public certificate), legacy.test (auto, Origin CA certificate). What doctor must say:
locked.test: Cloudflare in the path, the direct request 403 no-origin-pull-certificate (origin pull
enforced), or the handshake refused on a listener that requires the certificate; open.test: the
direct request bypasses Cloudflare (warning); legacy.test: an Origin CA certificate on a route that
admits direct visitors (warning, and `doorman check` says so too); without --cacert the edge's
certificate is not trusted (a problem, exit 1)."""

import http.server
import os
import socket
import ssl
import subprocess
import threading
import unittest

from harness import DoormanTestCase, run_doorman

ORIGIN_CA_SUBJECT = ("/O=CloudFlare, Inc./OU=CloudFlare Origin SSL Certificate Authority"
                     "/CN=Stand-in Origin CA")
DOCTOR_TIMEOUT = 60


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(directory, name, subject):
    key, crt = (os.path.join(directory, name + ext) for ext in (".key", ".crt"))
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "1", "-subj", subject, "-keyout", key, "-out", crt,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return crt, key


def make_leaf(directory, name, ca, sans, usage="serverAuth"):
    key, csr, crt, ext = (os.path.join(directory, name + e) for e in (".key", ".csr", ".crt", ".ext"))
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=" + sans[0], "-keyout", key, "-out", csr)
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=" + usage + "\n"
                "subjectAltName=" + ",".join("DNS:" + s for s in sans) + "\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
            "-days", "1", "-extfile", ext, "-out", crt)
    return crt, key


class Edge:
    """Cloudflare's proxy, played on loopback: TLS with a public certificate, then one
    HTTP/1.1 request forwarded to doorman over TLS (SNI = Host, the origin-pull client
    certificate, Full (strict): the origin's certificate verified against the Origin CA and the
    public roots), with CF-Connecting-IP and CF-Ray; the answer goes back with cf-ray added."""

    def __init__(self, cert, origin_port, client_cert, origin_roots):
        self.origin_port = origin_port
        self.upstream = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        for root in origin_roots:
            self.upstream.load_verify_locations(root)
        self.upstream.load_cert_chain(*client_cert)
        # The test's certificates are minimal; strict RFC 5280 checks (Python 3.13) are not the
        # point here.
        self.upstream.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
        self.rays = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.rays += 1
                ray = f"{0x8f00 + outer.rays:016x}-LHR"
                host = self.headers.get("Host", "").split(":")[0]
                status, headers, body = outer.forward(host, self.path, self.client_address[0], ray)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("connection", "content-length", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Server", "cloudflare")
                self.send_header("CF-Ray", ray)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*cert)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def forward(self, host, path, client_ip, ray):
        raw = socket.create_connection(("127.0.0.1", self.origin_port), timeout=10)
        with self.upstream.wrap_socket(raw, server_hostname=host) as s:
            s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCF-Connecting-IP: {client_ip}\r\n"
                       f"CF-Ray: {ray}\r\nConnection: close\r\n\r\n").encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = [tuple(part.strip() for part in l.split(":", 1)) for l in lines[1:]]
        return status, headers, body

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Doctor(DoormanTestCase):
    def setUp(self):
        super().setUp()
        d = self.tmp.path
        self.public_ca = make_ca(d, "public-root", "/O=Stand-in Public Root/CN=Stand-in Root")
        self.origin_ca = make_ca(d, "origin-ca", ORIGIN_CA_SUBJECT)
        self.pull_ca = make_ca(d, "origin-pull-ca", "/O=Stand-in/CN=origin-pull-ca")
        self.edge_cert = make_leaf(d, "edge", self.public_ca,
                                   ["locked.test", "open.test", "legacy.test"])
        self.locked_cert = make_leaf(d, "locked", self.origin_ca, ["locked.test"])
        self.legacy_cert = make_leaf(d, "legacy", self.origin_ca, ["legacy.test"])
        self.open_cert = make_leaf(d, "open", self.public_ca, ["open.test"])
        self.pull_client = make_leaf(d, "pull-client", self.pull_ca, ["origin-pull.test"],
                                     usage="clientAuth")
        self.ranges = self.tmp.write("cf.txt", "# 127.0.0.1 plays Cloudflare's edge\n127.0.0.1/32\n")
        self.config_path = self.tmp.write("doorman.toml", self.config())

    def config(self):
        certs = ""
        for cert, default in ((self.open_cert, True), (self.locked_cert, False),
                              (self.legacy_cert, False)):
            certs += (f'[[listener.certificate]]\ncert = "{cert[0]}"\nkey = "{cert[1]}"\n' +
                      ("default = true\n" if default else ""))
        listener = (f'[[listener]]\naddress = "127.0.0.1:0"\ntls = true\n'
                    f'client_ca = "{self.pull_ca[0]}"\nclient_auth_required = false\n{certs}\n'
                    # The same certificates on a listener that requires the client certificate.
                    f'[[listener]]\naddress = "127.0.0.1:0"\ntls = true\n'
                    f'client_ca = "{self.pull_ca[0]}"\n{certs}\n')
        return (listener + f'[server]\nworkers = 1\n\n[cloudflare]\nranges_file = "{self.ranges}"\n'
                'refresh = false\n\n'
                '[[route]]\nroute = "locked.test"\nupstream = "builtin:echo"\n'
                'source_ip = "cloudflare-proxy"\nrequire_origin_pull = true\n\n'
                '[[route]]\nroute = "open.test"\nupstream = "builtin:echo"\n\n'
                '[[route]]\nroute = "legacy.test"\nupstream = "builtin:echo"\n')

    def start(self):
        d = self.start_doorman(self.config(), listeners=2)
        self.ports = [int(a.rsplit(":", 1)[1]) for a in d.addresses]
        self.edge = Edge(self.edge_cert, self.ports[0], self.pull_client,
                         [self.origin_ca[0], self.public_ca[0]])
        self.cleanups.append(self.edge.close)
        return d

    def doctor(self, *extra, origin_port=None, cacert=True):
        args = ["doctor", "--config", self.config_path, "--port", str(self.edge.port),
                "--origin", f"127.0.0.1:{origin_port or self.ports[0]}", "--timeout", "5s"]
        for host in ("locked.test", "open.test", "legacy.test"):
            args += ["--resolve", f"{host}:{self.edge.port}:127.0.0.1"]
        if cacert:
            args += ["--cacert", self.public_ca[0]]
        rc, out, err = run_doorman(*args, *extra, timeout=DOCTOR_TIMEOUT)
        if os.environ.get("DOORMAN_DOCTOR_SHOW"):
            print(out)
        return rc, out, err

    def section(self, out, host):
        """The lines doctor printed for one host."""
        block = out.split("\n" + host + " (", 1)[1]
        return block.split("\n\n", 1)[0]

    def test_locked_open_and_legacy_routes(self):
        self.start()
        rc, out, err = self.doctor()
        self.assertEqual(rc, 0, out + err)
        locked = self.section(out, "locked.test")
        self.assertIn("source_ip = cloudflare-proxy, require_origin_pull)", locked)
        self.assertRegex(locked, r"through DNS .* at 127\.0\.0\.1:%d: 200, cf-ray [0-9a-f]+-LHR"
                         % self.edge.port)
        self.assertIn("direct       https://locked.test:%d/ at 127.0.0.1:%d: 403 forbidden: "
                      "no-origin-pull-certificate, no cf-ray" % (self.edge.port, self.ports[0]),
                      locked)
        self.assertRegex(locked, r"ok +Cloudflare is in the path \(cf-ray ")
        self.assertRegex(locked, r"ok +certificate through DNS: trusted")
        self.assertRegex(locked, r"ok +direct to the origin: refused, 403 "
                         r"no-origin-pull-certificate \(origin pull enforced\)")
        self.assertRegex(locked, r"note +the origin serves a Cloudflare Origin CA certificate")
        self.assertNotIn("warning", locked)
        self.assertNotIn("problem", locked)

        open_ = self.section(out, "open.test")
        self.assertIn("source_ip = auto)", open_)
        self.assertRegex(open_, r"direct .*: 200, no cf-ray")
        self.assertRegex(open_, r"warning +direct to the origin: answered 200 without "
                         r"Cloudflare: anyone who knows the address bypasses")
        self.assertNotIn("Origin CA", open_)

        legacy = self.section(out, "legacy.test")
        self.assertRegex(legacy, r"warning +the origin serves a Cloudflare Origin CA certificate "
                         r"on a route that admits direct visitors")
        self.assertIn("0 problems, 3 warnings", out)

    def test_listener_that_requires_the_client_certificate(self):
        self.start()
        rc, out, err = self.doctor("--host", "locked.test", origin_port=self.ports[1])
        self.assertEqual(rc, 0, out + err)
        locked = self.section(out, "locked.test")
        self.assertRegex(locked, r"ok +direct to the origin: the TLS handshake needs a client "
                         r"certificate \(origin pull enforced by the listener\)")
        self.assertNotIn("open.test", out)

    def test_untrusted_certificate_through_dns_is_a_problem(self):
        self.start()
        rc, out, err = self.doctor("--host", "open.test", cacert=False)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(self.section(out, "open.test"),
                         r"problem +certificate through DNS: not trusted, browsers refuse it")
        self.assertIn("1 problem,", out)

    def test_usage_errors(self):
        rc, out, err = run_doorman("doctor", "--config", self.config_path, "--origin", "x:y:z:1",
                                   timeout=DOCTOR_TIMEOUT)
        self.assertEqual(rc, 2, err)
        self.assertIn("--origin", err)
        # 127.0.0.1:0 listeners name one address; a wildcard one needs --origin.
        wild = self.tmp.write("wild.toml", self.config().replace("127.0.0.1:0", "0.0.0.0:0"))
        rc, out, err = run_doorman("doctor", "--config", wild, timeout=DOCTOR_TIMEOUT)
        self.assertEqual(rc, 2, err)
        self.assertIn("say where the origin is reachable", err)

    def test_check_warns_about_origin_ca_on_a_direct_route(self):
        rc, out, err = run_doorman("check", "--config", self.config_path)
        self.assertEqual(rc, 0, err)
        self.assertIn("warning: route[3] (legacy.test):", err)
        self.assertIn("serves legacy.test a Cloudflare Origin CA certificate", err)
        self.assertNotIn("route[1] (locked.test)", err)  # strict, with origin pull
        self.assertNotIn("route[2] (open.test)", err)    # a public certificate


if __name__ == "__main__":
    unittest.main()
