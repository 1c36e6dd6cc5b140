"""[[listener]] mode = "tcp": a plain L4 relay to the listener's upstream, with a PROXY header
in (proxy_protocol) and out (upstream_proxy_protocol, checked with doorman's own decoder on the
far side), TLS termination, half-close, the body_idle timeout and an unreachable upstream."""

import os
import socket
import ssl
import subprocess
import threading
import unittest

import proxy_protocol_helpers as pp
from harness import DoormanTestCase, connect, free_port, self_signed, wait_until


class EchoServer:
    """Echoes every byte; closes its side when the client half-closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def relay_config(upstream, listener_extra="", extra=""):
    return f"""
[[listener]]
address = "127.0.0.1:0"
mode = "tcp"
upstream = "{upstream}"
{listener_extra}

[server]
workers = 1
{extra}

[[route]]
upstream = "builtin:echo"
"""


def read_until_eof(sock):
    data = b""
    while True:
        piece = sock.recv(65536)
        if not piece:
            return data
        data += piece


class TcpRelay(DoormanTestCase):
    def setUp(self):
        super().setUp()
        self.echo = EchoServer()
        self.cleanups.append(self.echo.close)

    def test_bytes_both_ways_and_half_close(self):
        d = self.start_doorman(relay_config(f"127.0.0.1:{self.echo.port}"))
        s = connect(d.port)
        try:
            payload = bytes(range(256)) * 4096  # 1 MiB, not HTTP at all
            sender = threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)))
            sender.start()
            self.assertEqual(read_until_eof(s), payload)
            sender.join()
        finally:
            s.close()

    def test_proxy_in_and_out(self):
        capture = pp.CapturingServer()
        self.cleanups.append(capture.close)
        d = self.start_doorman(relay_config(f"127.0.0.1:{capture.port}",
                                            'proxy_protocol = "v1"\nupstream_proxy_protocol = "v2"'))
        s = connect(d.port)
        s.sendall(b"PROXY TCP4 203.0.113.9 127.0.0.1 5000 80\r\nGET /relay HTTP/1.1\r\n\r\n")
        self.assertIn(b"200 OK", read_until_eof(s))
        s.close()
        data = capture.next_capture(contains=b"GET /relay")
        rc, r = pp.decode(data)
        self.assertEqual(rc, 0, r)
        # Both endpoints of the received header pass on, ports included (HAProxy does the same).
        self.assertEqual((r["version"], r["src"], r["dst"]), (2, "203.0.113.9:5000", "127.0.0.1:80"))
        self.assertEqual(data[r["consumed"]:], b"GET /relay HTTP/1.1\r\n\r\n")

    def test_send_proxy_names_the_socket_client_with_its_port(self):
        capture = pp.CapturingServer()
        self.cleanups.append(capture.close)
        d = self.start_doorman(relay_config(f"127.0.0.1:{capture.port}",
                                            'upstream_proxy_protocol = "v1"'))
        s = connect(d.port)
        client_port = s.getsockname()[1]
        s.sendall(b"GET /relay HTTP/1.1\r\n\r\n")
        self.assertIn(b"200 OK", read_until_eof(s))
        s.close()
        rc, r = pp.decode(capture.next_capture(contains=b"GET /relay"))
        self.assertEqual(rc, 0, r)
        self.assertEqual((r["version"], r["src"], r["dst"]),
                         (1, f"127.0.0.1:{client_port}", f"127.0.0.1:{d.port}"))

    def test_tls_terminating_relay(self):
        crt, key = self_signed(self.tmp.path, "relay.test")
        listener = f'tls = true\n[[listener.certificate]]\ncert = "{crt}"\nkey = "{key}"\n'
        d = self.start_doorman(relay_config(f"127.0.0.1:{self.echo.port}", listener))
        ctx = ssl.create_default_context(cafile=crt)
        with ctx.wrap_socket(connect(d.port), server_hostname="relay.test") as s:
            s.sendall(b"ping over tls\n")
            got = b""
            while len(got) < 14:
                got += s.recv(100)
            self.assertEqual(got, b"ping over tls\n")

    def test_idle_timeout_and_unreachable_upstream(self):
        d = self.start_doorman(relay_config(f"127.0.0.1:{self.echo.port}",
                                            extra='\n[timeouts]\nbody_idle = "1s"\n'))
        s = connect(d.port)
        s.sendall(b"x")
        self.assertEqual(s.recv(1), b"x")
        self.assertEqual(read_until_eof(s), b"")  # closed after 1s of silence
        s.close()
        dead = free_port()
        d2 = self.start_doorman(relay_config(f"127.0.0.1:{dead}"))
        s = connect(d2.port)
        self.assertEqual(read_until_eof(s), b"")
        s.close()
        wait_until(lambda: "doorman: tcp: 127.0.0.1 -> 127.0.0.1:" in d2.stderr(), what="log")


if __name__ == "__main__":
    unittest.main()
