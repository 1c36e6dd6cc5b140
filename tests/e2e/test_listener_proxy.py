"""PROXY protocol on doorman's listeners, end to end: HAProxy in front with send-proxy,
send-proxy-v2 and send-proxy-v2 + proxy-v2-options ssl,crc32c,unique-id,authority (HAProxy
terminating TLS with a throwaway certificate); curl --haproxy-protocol; headers split byte by
byte; nginx's stream module with proxy_protocol on, in front of a plain and a TLS listener (the
header before the handshake); a stalled header closed by proxy_header_timeout while other clients
are served; a peer
outside proxy_protocol_from closed; missing, malformed, wrong-version and CRC-mismatched headers
closed (never HTTP); LOCAL keeps the socket peer; PROXY chained with X-Forwarded-For.
builtin:echo reports what the app would see, including the header's TLVs."""

import os
import socket
import ssl
import struct
import subprocess
import unittest

import proxy_protocol_helpers as pp
from harness import (
    DoormanTestCase,
    RawConnection,
    connect,
    curl,
    have,
    sbin,
    self_signed,
    wait_until,
)

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def v2(src, dst, sport, dport, command=1, tlvs=b"", crc=None):
    """A PROXY v2 header; crc: None = no CRC TLV, True = a correct one, False = a wrong one."""
    six = ":" in src
    fam = 0x21 if six else 0x11
    pack = lambda a: socket.inet_pton(socket.AF_INET6 if six else socket.AF_INET, a)
    body = pack(src) + pack(dst) + struct.pack("!HH", sport, dport) + tlvs
    if crc is not None:
        body += b"\x03\x00\x04" + b"\x00\x00\x00\x00"
    head = SIG + bytes([0x20 | command, fam]) + struct.pack("!H", len(body))
    data = bytearray(head + body)
    if crc is not None:
        value = crc32c(bytes(data))
        if not crc:
            value ^= 1
        data[-4:] = struct.pack("!I", value)
    return bytes(data)


def tlv(kind, value):
    return bytes([kind]) + struct.pack("!H", len(value)) + value


REQUEST = b"GET /pp HTTP/1.1\r\nHost: example.com\r\n\r\n"


def config(mode="any", extra=""):
    return f"""
[[listener]]
address = "127.0.0.1:0"
proxy_protocol = "{mode}"
{extra}

[server]
workers = 1

[[route]]
upstream = "builtin:echo"
"""


class ListenerProxy(DoormanTestCase):
    def exchange(self, port, data, source=None, nodelay_bytes=False):
        with RawConnection(port, source=source) as c:
            if nodelay_bytes:
                c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for i in range(len(data)):
                    c.send(data[i:i + 1])
            else:
                c.send(data)
            return c.read_response()

    def assert_closed_without_reply(self, port, data, source=None):
        with RawConnection(port, source=source) as c:
            try:
                c.send(data)
            except OSError:
                return
            self.assertTrue(c.is_closed(), data)
            self.assertEqual(c.buffer, b"")

    # --- hand-made headers ---------------------------------------------------------------------

    def test_v1_and_v2_set_the_peer(self):
        d = self.start_doorman(config())
        r = self.exchange(d.port, b"PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n" + REQUEST).json()
        self.assertEqual((r["client_ip"], r["peer"], r["client_ip_source"]),
                         ("203.0.113.9", "203.0.113.9", "proxy-protocol"))
        p = r["proxy_protocol"]
        self.assertEqual((p["version"], p["command"], p["src"], p["socket_peer"]),
                         (1, "PROXY", "203.0.113.9:5555", "127.0.0.1"))
        self.assertTrue(p["peer_from_proxy_protocol"])
        r = self.exchange(d.port, v2("2001:db8::5", "::1", 4444, 443) + REQUEST).json()
        self.assertEqual(r["client_ip"], "2001:db8::5")
        self.assertEqual(r["proxy_protocol"]["src"], "[2001:db8::5]:4444")
        # Untrusted PROXY source: its X-Forwarded-For is the client's own claim, ignored.
        spoof = b"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n"
        r = self.exchange(d.port, v2("203.0.113.9", "127.0.0.1", 1, 80) + spoof).json()
        self.assertEqual(r["client_ip"], "203.0.113.9")
        # A trusted PROXY source (a front proxy on loopback) chains with X-Forwarded-For.
        chained = b"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n"
        r = self.exchange(d.port, v2("127.0.0.5", "127.0.0.1", 1, 80) + chained).json()
        self.assertEqual((r["client_ip"], r["client_ip_source"]), ("198.51.100.7", "x-forwarded-for"))

    def test_local_and_unknown_keep_the_socket_peer(self):
        d = self.start_doorman(config())
        for header in (v2("192.0.2.1", "192.0.2.2", 1, 2, command=0),
                       b"PROXY UNKNOWN\r\n",
                       b"PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n"):
            r = self.exchange(d.port, header + REQUEST).json()
            self.assertEqual(r["client_ip"], "127.0.0.1", header)
            self.assertFalse(r["proxy_protocol"]["peer_from_proxy_protocol"])

    def test_local_as_aws_nlb_sends_it(self):
        # AWS NLB health checks: LOCAL, family TCP4, no address block, the TLVs straight after
        # the 16-byte header. Accepted; the TLVs are found (and the CRC verified when there is
        # one); the socket peer stays the client.
        d = self.start_doorman(config("v2"))
        vpce = tlv(0xEA, b"\x01vpce-0123456789abcdef0")  # longer than a TCP4 address block
        for with_crc in (False, True):
            body = vpce + (b"\x03\x00\x04\x00\x00\x00\x00" if with_crc else b"")
            data = bytearray(SIG + bytes([0x20, 0x11]) + struct.pack("!H", len(body)) + body)
            if with_crc:
                data[-4:] = struct.pack("!I", crc32c(bytes(data)))
            r = self.exchange(d.port, bytes(data) + REQUEST).json()
            self.assertEqual(r["client_ip"], "127.0.0.1", with_crc)
            p = r["proxy_protocol"]
            self.assertEqual(p["command"], "LOCAL")
            self.assertFalse(p["peer_from_proxy_protocol"])
            self.assertEqual(p["crc32c"], "verified" if with_crc else "absent")
            self.assertEqual(p["typed"]["aws_vpce_id"], "vpce-0123456789abcdef0")

    def test_tlvs_reach_echo(self):
        d = self.start_doorman(config("v2"))
        ssl_tlv = tlv(0x20, b"\x01" + struct.pack("!I", 0) + tlv(0x21, b"TLSv1.3"))
        tlvs = tlv(0x02, b"www.example.com") + tlv(0x05, b"req-42") + tlv(0x01, b"h2") + ssl_tlv
        r = self.exchange(d.port, v2("192.0.2.8", "192.0.2.1", 1, 443, tlvs=tlvs, crc=True) + REQUEST)
        p = r.json()["proxy_protocol"]
        self.assertEqual(p["crc32c"], "verified")
        t = p["typed"]
        self.assertEqual((t["authority"], t["unique_id_hex"], t["alpn"]),
                         ("www.example.com", b"req-42".hex(), "h2"))
        self.assertEqual(t["ssl"]["version"], "TLSv1.3")
        self.assertTrue(t["ssl"]["client_ssl"])

    def test_split_byte_by_byte(self):
        d = self.start_doorman(config())
        for header, client in ((b"PROXY TCP6 2001:db8::7 ::1 5555 80\r\n", "2001:db8::7"),
                               (v2("198.51.100.3", "127.0.0.1", 9, 80, crc=True), "198.51.100.3")):
            r = self.exchange(d.port, header + REQUEST, nodelay_bytes=True)
            self.assertEqual(r.json()["client_ip"], client)

    def test_bad_headers_close_and_never_reach_http(self):
        d = self.start_doorman(config("any"))
        cases = [
            REQUEST,  # missing header: the request must not be served
            b"PROXY TCP4 203.0.113.9 127.0.0.1 5555\r\n" + REQUEST,  # malformed
            b"PROXY TCP4 203.0.113.9 127.0.0.1 5555 80 extra junk here" + b"x" * 80 + b"\r\n",
            v2("203.0.113.9", "127.0.0.1", 1, 80, crc=False) + REQUEST,  # CRC mismatch
        ]
        for data in cases:
            self.assert_closed_without_reply(d.port, data)
        wait_until(lambda: "crc_mismatch" in d.stderr(), what="crc log line")
        self.assertIn("not_proxy", d.stderr())
        # Version pinning: a v1 header on a v2 listener is not a PROXY header there.
        d2 = self.start_doorman(config("v2"))
        self.assert_closed_without_reply(d2.port, b"PROXY TCP4 1.2.3.4 127.0.0.1 1 2\r\n" + REQUEST)
        d1 = self.start_doorman(config("v1"))
        self.assert_closed_without_reply(d1.port, v2("1.2.3.4", "127.0.0.1", 1, 2) + REQUEST)

    def test_stalled_header_is_closed_while_others_are_served(self):
        d = self.start_doorman(config("any", 'proxy_header_timeout = "1s"'))
        stalled = connect(d.port)
        silent = connect(d.port)
        try:
            stalled.sendall(b"PROXY TCP4 203.0.113.9")  # and nothing more
            # Others are served meanwhile.
            for _ in range(3):
                r = self.exchange(d.port, b"PROXY TCP4 192.0.2.4 127.0.0.1 1 80\r\n" + REQUEST)
                self.assertEqual(r.json()["client_ip"], "192.0.2.4")
            for s in (stalled, silent):
                s.settimeout(10)
                try:
                    self.assertEqual(s.recv(100), b"")  # FIN
                except ConnectionResetError:
                    pass  # RST: the stalled bytes were never read, as intended
        finally:
            stalled.close()
            silent.close()
        wait_until(lambda: d.stderr().count(": timeout") >= 2, what="timeout log lines")

    def test_peer_outside_proxy_protocol_from_is_closed(self):
        d = self.start_doorman(config("v1", 'proxy_protocol_from = ["127.0.0.2/32", "::1"]'))
        header = b"PROXY TCP4 192.0.2.9 127.0.0.1 1 80\r\n"
        self.assert_closed_without_reply(d.port, header + REQUEST, source="127.0.0.1")
        r = self.exchange(d.port, header + REQUEST, source="127.0.0.2")
        self.assertEqual(r.json()["client_ip"], "192.0.2.9")
        wait_until(lambda: "not in proxy_protocol_from" in d.stderr(), what="log line")

    # --- real senders --------------------------------------------------------------------------

    @unittest.skipUnless(have("curl"), "curl not installed")
    def test_curl_haproxy_protocol(self):
        d = self.start_doorman(config("v1"))
        rc, out, err = curl("--haproxy-protocol", f"http://127.0.0.1:{d.port}/c")
        self.assertEqual(rc, 0, err)
        import json
        r = json.loads(out)
        self.assertEqual((r["client_ip"], r["proxy_protocol"]["version"]), ("127.0.0.1", 1))
        # Without the header the same listener refuses curl.
        rc, out, err = curl(f"http://127.0.0.1:{d.port}/c")
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, b"")


@unittest.skipUnless(have("haproxy"), "haproxy not installed")
class HAProxyInFront(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.procs = pp.Processes()
        self.cleanups.append(self.procs.stop_all)

    def haproxy(self, doorman_port, server_options, bind_options="", extra_frontend=""):
        port = pp.free_port()
        proc = pp.start_haproxy(self.procs, self.tmp.path, f"127.0.0.1:{port}{bind_options}",
                                f"server d 127.0.0.1:{doorman_port} {server_options}",
                                extra_frontend)
        pp.wait_for_port("127.0.0.1", port, proc=proc)
        return port

    def via(self, port, source):
        with RawConnection(port, source=source) as c:
            c.send(REQUEST)
            return c.read_response().json(), c.sock.getsockname()[1]

    def test_send_proxy_v1(self):
        d = self.start_doorman(config("v1"))
        port = self.haproxy(d.port, "send-proxy")
        r, client_port = self.via(port, "127.0.0.2")
        self.assertEqual((r["client_ip"], r["client_ip_source"]), ("127.0.0.2", "proxy-protocol"))
        self.assertEqual(r["proxy_protocol"]["src"], f"127.0.0.2:{client_port}")
        self.assertEqual(r["proxy_protocol"]["socket_peer"], "127.0.0.1")

    def test_send_proxy_v2(self):
        d = self.start_doorman(config("v2"))
        port = self.haproxy(d.port, "send-proxy-v2")
        r, client_port = self.via(port, "127.0.0.3")
        self.assertEqual(r["client_ip"], "127.0.0.3")
        self.assertEqual((r["proxy_protocol"]["version"], r["proxy_protocol"]["src"]),
                         (2, f"127.0.0.3:{client_port}"))

    def test_send_proxy_v2_with_tls_options(self):
        crt, key = self_signed(self.tmp.path, "localhost")
        with open(crt) as c, open(key) as k:
            pem = self.tmp.write("haproxy.pem", c.read() + k.read())
        d = self.start_doorman(config("any"))
        port = self.haproxy(d.port, "send-proxy-v2 proxy-v2-options ssl,crc32c,unique-id,authority",
                            f" ssl crt {pem} alpn http/1.1", "  unique-id-format e2e-%cp\n")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(crt)
        ctx.check_hostname = False
        ctx.set_alpn_protocols(["http/1.1"])
        raw = connect(port, source="127.0.0.4")
        client_port = raw.getsockname()[1]
        with ctx.wrap_socket(raw, server_hostname="app.example") as s:
            s.sendall(REQUEST)
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                piece = s.recv(65536)
                if not piece:
                    break
                data += piece
        import json
        r = json.loads(data.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(r["client_ip"], "127.0.0.4")
        p = r["proxy_protocol"]
        self.assertEqual(p["crc32c"], "verified")
        t = p["typed"]
        self.assertEqual(t["authority"], "app.example")
        self.assertEqual(bytes.fromhex(t["unique_id_hex"]), b"e2e-%d" % client_port)
        self.assertTrue(t["ssl"]["client_ssl"])
        self.assertTrue(t["ssl"]["version"].startswith("TLSv1."))


NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"


@unittest.skipUnless(have("nginx") and os.path.exists(NGINX_STREAM_MODULE),
                     "nginx with the stream module (libnginx-mod-stream) not installed")
class NginxStreamInFront(DoormanTestCase):
    """nginx as an L4 load balancer: `stream { server { proxy_protocol on; } }` sends a PROXY v1
    header with the client's address and port, then the client's bytes untouched."""

    def setUp(self):
        super().setUp()
        self.procs = pp.Processes()
        self.cleanups.append(self.procs.stop_all)

    def nginx(self, doorman_port):
        port = pp.free_port()
        t = self.tmp.path
        conf = self.tmp.write("nginx-stream.conf", f"""
load_module {NGINX_STREAM_MODULE};
worker_processes 1;
pid {t}/nginx-stream.pid;
error_log {t}/nginx-stream-error.log;
events {{ worker_connections 64; }}
stream {{
  server {{
    listen 127.0.0.1:{port};
    proxy_pass 127.0.0.1:{doorman_port};
    proxy_protocol on;
  }}
}}
""")
        proc = self.procs.start([sbin("nginx"), "-p", t, "-e", f"{t}/nginx-stream-error.log",
                                 "-c", conf, "-g", "daemon off;"])
        pp.wait_for_port("127.0.0.1", port, proc=proc)
        return port

    def test_proxy_protocol_on_plain_listener(self):
        d = self.start_doorman(config("v1", 'proxy_protocol_from = ["127.0.0.1/32"]'))
        port = self.nginx(d.port)
        for source in ("127.0.0.5", "127.0.0.6"):
            with RawConnection(port, source=source) as c:
                c.send(REQUEST)
                r = c.read_response().json()
                client_port = c.sock.getsockname()[1]
            self.assertEqual((r["client_ip"], r["client_ip_source"]), (source, "proxy-protocol"))
            self.assertEqual(r["proxy_protocol"]["version"], 1)
            self.assertEqual(r["proxy_protocol"]["src"], f"{source}:{client_port}")
            self.assertEqual(r["proxy_protocol"]["socket_peer"], "127.0.0.1")
        # Going around nginx (no header) is closed, never served as HTTP.
        with RawConnection(d.port, source="127.0.0.5") as c:
            try:
                c.send(REQUEST)
            except OSError:
                return
            self.assertTrue(c.is_closed())
            self.assertEqual(c.buffer, b"")

    def test_proxy_protocol_before_tls_handshake(self):
        crt, key = self_signed(self.tmp.path, "app.example")
        d = self.start_doorman(config("v1", f'tls = true\n[[listener.certificate]]\n'
                                            f'cert = "{crt}"\nkey = "{key}"'))
        port = self.nginx(d.port)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(crt)
        ctx.set_alpn_protocols(["http/1.1"])
        raw = connect(port, source="127.0.0.7")
        client_port = raw.getsockname()[1]
        with ctx.wrap_socket(raw, server_hostname="app.example") as s:
            self.assertEqual(s.selected_alpn_protocol(), "http/1.1")
            s.sendall(REQUEST)
            data = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                data += piece
                if b"\r\n\r\n" in data and data.rstrip().endswith(b"}"):
                    break
        import json
        r = json.loads(data.split(b"\r\n\r\n", 1)[1])
        self.assertEqual((r["client_ip"], r["client_ip_source"]), ("127.0.0.7", "proxy-protocol"))
        self.assertEqual(r["proxy_protocol"]["src"], f"127.0.0.7:{client_port}")
        self.assertEqual(r["headers"]["x-forwarded-proto"], "https")


if __name__ == "__main__":
    unittest.main()
