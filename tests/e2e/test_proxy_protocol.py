"""PROXY protocol against real senders: Debian's HAProxy (send-proxy, send-proxy-v2 and
proxy-v2-options ssl,crc32c,unique-id,authority,cert-cn) and curl --haproxy-protocol. The test
captures the bytes each sender writes on loopback and checks what `doorman proxy-header decode
--json` makes of them; it also runs examples/proxy_echo_server behind HAProxy.
"""

import os
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy_protocol_helpers as pp  # noqa: E402

HAVE_HAPROXY = shutil.which("haproxy") is not None
HAVE_CURL = shutil.which("curl") is not None

REQUEST = b"GET / HTTP/1.1\r\nHost: e2e.example\r\n\r\n"


def recv_all(sock, deadline_s=10.0):
    sock.settimeout(deadline_s)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


class ProxyProtocolTest(unittest.TestCase):
    def setUp(self):
        self.procs = pp.Processes()
        self.tmp = tempfile.mkdtemp(prefix="doorman-pp-")
        self.capture = pp.CapturingServer()

    def tearDown(self):
        self.procs.stop_all()
        self.capture.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def haproxy(self, fe_host, server_options, bind_options="", extra_frontend=""):
        """Starts HAProxy listening on fe_host and forwarding to the capturing server."""
        port = pp.free_port(fe_host)
        bind = ("[%s]:%d" % (fe_host, port) if ":" in fe_host else "%s:%d" % (fe_host, port))
        proc = pp.start_haproxy(
            self.procs, self.tmp, bind + bind_options,
            "server s1 127.0.0.1:%d %s" % (self.capture.port, server_options), extra_frontend)
        pp.wait_for_port(fe_host, port, proc=proc)
        return port

    def send_plain(self, host, port):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.connect((host, port))
            client_port = s.getsockname()[1]
            s.sendall(REQUEST)
            self.assertIn(b"200 OK", recv_all(s))
        return client_port

    def send_tls(self, port, client_cert=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        if client_cert:
            ctx.load_cert_chain(client_cert[0], client_cert[1])
        with socket.create_connection(("127.0.0.1", port)) as raw:
            client_port = raw.getsockname()[1]
            with ctx.wrap_socket(raw, server_hostname="e2e.example") as s:
                s.sendall(REQUEST)
                self.assertIn(b"200 OK", recv_all(s))
        return client_port

    def decoded_capture(self):
        data = self.capture.next_capture()
        rc, result = pp.decode(data)
        self.assertEqual(rc, 0, result)
        self.assertTrue(result["ok"])
        self.assertIsNone(result["error"])
        # The payload after the header is untouched and starts right after `consumed`.
        self.assertTrue(data[result["consumed"]:].startswith(b"GET / HTTP/1.1\r\n"), data)
        self.assertEqual(pp.decode(data, hex_arg=True)[1], result)
        return data, result

    def check_addresses(self, version, fe_host, fe_port, client_port):
        data, r = self.decoded_capture()
        self.assertEqual(r["version"], version)
        self.assertEqual(r["command"], "PROXY")
        six = ":" in fe_host
        self.assertEqual(r["family"], "TCP6" if six else "TCP4")
        self.assertEqual(r["transport"], "STREAM")
        fmt = "[%s]:%d" if six else "%s:%d"
        self.assertEqual(r["src"], fmt % (fe_host, client_port))
        self.assertEqual(r["dst"], fmt % (fe_host, fe_port))
        self.assertIsNone(r["src_unix"])
        self.assertEqual(r["crc32c"], "absent")
        return data, r

    # --- HAProxy send-proxy / send-proxy-v2 ---------------------------------------------------

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_haproxy_send_proxy_v1_ipv4(self):
        port = self.haproxy("127.0.0.1", "send-proxy")
        client_port = self.send_plain("127.0.0.1", port)
        data, _ = self.check_addresses(1, "127.0.0.1", port, client_port)
        self.assertTrue(data.startswith(b"PROXY TCP4 127.0.0.1 127.0.0.1 "))

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_haproxy_send_proxy_v1_ipv6(self):
        port = self.haproxy("::1", "send-proxy")
        client_port = self.send_plain("::1", port)
        data, _ = self.check_addresses(1, "::1", port, client_port)
        self.assertTrue(data.startswith(b"PROXY TCP6 ::1 ::1 "))

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_haproxy_send_proxy_v2_ipv4(self):
        port = self.haproxy("127.0.0.1", "send-proxy-v2")
        client_port = self.send_plain("127.0.0.1", port)
        data, _ = self.check_addresses(2, "127.0.0.1", port, client_port)
        self.assertEqual(data[12:14], b"\x21\x11")

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_haproxy_send_proxy_v2_ipv6(self):
        port = self.haproxy("::1", "send-proxy-v2")
        client_port = self.send_plain("::1", port)
        data, _ = self.check_addresses(2, "::1", port, client_port)
        self.assertEqual(data[12:14], b"\x21\x21")

    # --- send-proxy-v2 with TLS terminated by HAProxy ------------------------------------------

    def haproxy_tls(self):
        certs = pp.make_certificates(self.tmp)
        bind_options = " ssl crt %s ca-file %s verify optional alpn http/1.1" % (
            certs["server_pem"], certs["client_crt"])
        port = self.haproxy(
            "127.0.0.1",
            "send-proxy-v2 proxy-v2-options ssl,crc32c,unique-id,authority,cert-cn",
            bind_options, extra_frontend="  unique-id-format e2e-%cp\n")
        return certs, port

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_haproxy_v2_options_with_client_certificate(self):
        certs, port = self.haproxy_tls()
        client_port = self.send_tls(port, (certs["client_crt"], certs["client_key"]))
        data, r = self.decoded_capture()
        self.assertEqual(r["src"], "127.0.0.1:%d" % client_port)
        self.assertEqual(r["dst"], "127.0.0.1:%d" % port)
        self.assertEqual(r["crc32c"], "verified")
        typed = r["typed"]
        self.assertEqual(typed["authority"], "e2e.example")
        self.assertEqual(bytes.fromhex(typed["unique_id_hex"]), b"e2e-%d" % client_port)
        self.assertEqual(typed["alpn"], "http/1.1")  # sent whenever ALPN was negotiated
        s = typed["ssl"]
        self.assertTrue(s["client_ssl"])
        self.assertTrue(s["cert_conn"])
        self.assertEqual(s["verify"], 0)
        self.assertEqual(s["cn"], "e2e-client")
        self.assertTrue(s["version"].startswith("TLSv1."), s)
        # The raw list holds the same values as the typed view.
        tlvs = pp.tlv_map(r)
        self.assertEqual(tlvs[0x02], b"e2e.example")
        self.assertEqual(len(tlvs[0x03]), 4)

        # One flipped address byte: the CRC no longer matches; the fields are still shown.
        tampered = bytearray(data)
        tampered[16] ^= 0x01  # 127.0.0.1 -> 126.0.0.1
        rc, bad = pp.decode(bytes(tampered))
        self.assertEqual(rc, 1)
        self.assertFalse(bad["ok"])
        self.assertEqual(bad["error"], "crc_mismatch")
        self.assertEqual(bad["crc32c"], "mismatch")
        self.assertEqual(bad["src"], "126.0.0.1:%d" % client_port)

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_haproxy_v2_ssl_without_client_certificate(self):
        _, port = self.haproxy_tls()
        client_port = self.send_tls(port)
        _, r = self.decoded_capture()
        self.assertEqual(r["src"], "127.0.0.1:%d" % client_port)
        self.assertEqual(r["crc32c"], "verified")
        s = r["typed"]["ssl"]
        # TLS, but no certificate: whatever verify says, the certificate bits are clear.
        self.assertTrue(s["client_ssl"])
        self.assertFalse(s["cert_conn"])
        self.assertFalse(s["cert_sess"])
        self.assertNotIn("cn", s)

    # --- curl ----------------------------------------------------------------------------------

    @unittest.skipUnless(HAVE_CURL, "curl not installed")
    def test_curl_haproxy_protocol(self):
        run = subprocess.run(
            ["curl", "--haproxy-protocol", "-s", "-o", "/dev/null", "-w", "%{local_port}",
             "--max-time", "10", "http://127.0.0.1:%d/" % self.capture.port],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        client_port = int(run.stdout)
        data, r = self.decoded_capture()
        self.assertEqual(r["version"], 1)
        self.assertEqual(r["family"], "TCP4")
        self.assertEqual(r["src"], "127.0.0.1:%d" % client_port)
        self.assertEqual(r["dst"], "127.0.0.1:%d" % self.capture.port)

    # --- the raw-TCP helper, through its example program -------------------------------------

    def echo_server(self):
        path = os.path.join(os.path.dirname(pp.doorman_bin()), "examples", "proxy_echo_server")
        if not os.path.exists(path):
            self.skipTest("examples/proxy_echo_server not built")
        proc = self.procs.start([path, "0", "3000"])
        deadline = time.monotonic() + 10
        line = b""
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                byte = os.read(proc.stdout.fileno(), 1)
                if not byte:
                    break
                line += byte
        self.assertTrue(line.startswith(b"listening on 127.0.0.1:"), line)
        return int(line.rsplit(b":", 1)[1])

    @unittest.skipUnless(HAVE_HAPROXY, "haproxy not installed")
    def test_echo_example_behind_haproxy(self):
        echo_port = self.echo_server()
        fe_port = pp.free_port()
        proc = pp.start_haproxy(self.procs, self.tmp, "127.0.0.1:%d" % fe_port,
                                "server s1 127.0.0.1:%d send-proxy-v2" % echo_port)
        pp.wait_for_port("127.0.0.1", fe_port, proc=proc)
        with socket.create_connection(("127.0.0.1", fe_port), timeout=10) as s:
            client_port = s.getsockname()[1]
            s.sendall(b"ping")
            want = b"client 127.0.0.1:%d via proxy-protocol\nping" % client_port
            got = b""
            while len(got) < len(want):
                chunk = s.recv(100)
                if not chunk:
                    break
                got += chunk
            self.assertEqual(got, want)

    def test_echo_example_closes_a_connection_without_header(self):
        echo_port = self.echo_server()
        with socket.create_connection(("127.0.0.1", echo_port), timeout=10) as s:
            s.sendall(REQUEST)
            try:
                self.assertEqual(recv_all(s), b"")  # closed, nothing echoed
            except ConnectionResetError:
                pass  # closed with our request unread: also a close

    # --- the CLI on bad input ------------------------------------------------------------------

    def test_cli_error_codes(self):
        sig = pp.V2_SIGNATURE
        cases = [
            (b"GET / HTTP/1.1\r\n\r\n", "not_proxy"),
            (b"PROXY TCP4 192.0.2.1 192.0.2.2 056 80\r\n", "invalid"),
            (b"PROXY UNKNOWN " + b"x" * 200, "too_long"),
            (sig + b"\x21\x11\x02\x19", "too_large"),
            (sig + b"\x21\x11\x00\x0c\xc0\x00", "incomplete"),
        ]
        for data, code in cases:
            rc, r = pp.decode(data)
            self.assertEqual((rc, r["ok"], r["error"]), (1, False, code), data)
        bad = subprocess.run([pp.doorman_bin(), "proxy-header", "decode", "--hex", "abc"],
                             capture_output=True, timeout=30)
        self.assertEqual(bad.returncode, 2)

    def test_cli_encode_then_decode(self):
        enc = subprocess.run(
            [pp.doorman_bin(), "proxy-header", "encode", "--version", "2", "--src",
             "[2001:db8::1]:56324", "--dst", "[2001:db8::11]:443", "--authority", "e2e.example",
             "--unique-id", "id-1", "--ssl-version", "TLSv1.3", "--crc32c"],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(enc.returncode, 0, enc.stderr)
        rc, r = pp.decode(bytes.fromhex(enc.stdout.strip()))
        self.assertEqual(rc, 0)
        self.assertEqual(r["src"], "[2001:db8::1]:56324")
        self.assertEqual(r["dst"], "[2001:db8::11]:443")
        self.assertEqual(r["crc32c"], "verified")
        self.assertEqual(r["typed"]["authority"], "e2e.example")
        self.assertEqual(r["typed"]["ssl"]["version"], "TLSv1.3")


if __name__ == "__main__":
    unittest.main()
