"""Response framing from the upstream: a scripted origin sends a bad or duplicate
Content-Length, a body on 204/304/HEAD (at once or late), 1xx before the final response (100 and
103), a chunked body that ends early or turns to junk, a short Content-Length body, or resets a
close-delimited body. The client must never get a truncated response that looks complete (it
gets 502 before any byte, or a reset connection, never a clean end or a terminating 0-chunk), and
the upstream connection that misbehaved is never reused: every answer names the origin
connection that produced it, and the next request must come from another one."""

import socket
import threading
import unittest

from harness import DEADLINE, Doorman, RawConnection, TempDir, wait_until
import test_http_framing as framing

OK = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
INJECTED = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED"
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

# path -> (bytes to send, then: "keep" serves the next request, "close", or "reset")
SCRIPTS = {
    "/cl-bad": (b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", "keep"),
    "/cl-dup-differ": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                       "keep"),
    "/cl-te": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\n\r\n", "keep"),
    "/cl-dup-same": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                     "keep"),
    "/204-body": (b"HTTP/1.1 204 No Content\r\n\r\n" + INJECTED, "keep"),
    "/304-body": (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 8\r\n\r\n" + INJECTED, "keep"),
    "/head-body": (b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED", "keep"),
    "/cl-extra": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + INJECTED, "keep"),
    "/chunked-extra": (CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n\r\n" + INJECTED, "keep"),
    # The same body after the head, once the client has the head (see `step`).
    "/chunked-extra-later": ([CHUNKED_HEAD, b"5\r\nhello\r\n0\r\n\r\n" + INJECTED], "keep"),
    "/100-then-200": (b"HTTP/1.1 100 Continue\r\n\r\n" + OK % (5, b"final"), "keep"),
    "/103-then-200": (b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                      + OK % (5, b"final"), "keep"),
    "/chunked-ends-early": (CHUNKED_HEAD + b"5\r\nhello\r\n", "close"),
    # Junk after the first chunk, sent once the client has that chunk (see `step`).
    "/chunked-junk": ([CHUNKED_HEAD + b"5\r\nhello\r\n", b"zz\r\nmore\r\n0\r\n\r\n"], "keep"),
    "/cl-short": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "close"),
    "/until-close-reset": (b"HTTP/1.1 200 OK\r\n\r\nhello", "reset"),
}


class ScriptedOrigin:
    """Serves keep-alive requests; SCRIPTS by path, else "ok <connection id>"; the late-body
    path sends its 204 head, then a response nobody asked for once `late` is set."""

    def __init__(self):
        self.ids = {}  # path -> the id of the connection that served it last
        self.late = threading.Event()
        self.late_sent = threading.Event()
        self.step = threading.Event()  # the test has read the first part: send the next
        self.next_id = 0
        self.lock = threading.Lock()
        self.raw = framing.RawOrigin(self.serve)
        self.port = self.raw.port

    def serve(self, c):
        with self.lock:
            self.next_id += 1
            cid = self.next_id
        while True:
            head, _ = framing.read_head(c)
            if head is None:
                return
            path = head.split(b" ")[1].decode()
            self.ids[path] = cid
            if path == "/204-late-body":
                c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
                self.late.wait(DEADLINE)
                c.sendall(INJECTED)
                self.late_sent.set()
                continue
            data, then = SCRIPTS.get(path, (OK % (len(b"ok %d" % cid), b"ok %d" % cid), "keep"))
            if isinstance(data, list):
                for i, part in enumerate(data):
                    if i:
                        self.step.wait(DEADLINE)
                        self.step.clear()
                    c.sendall(part)
            else:
                c.sendall(data)
            if then == "close":
                return
            if then == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return

    def close(self):
        self.raw.close()


def bytes_queued_from(remote_port):
    """True when some local TCP socket connected to 127.0.0.1:remote_port has unread bytes."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            rx_queue = int(fields[4].split(":")[1], 16)
            if int(fields[2].split(":")[1], 16) == remote_port and rx_queue > 0:
                return True
    return False


def read_all(c):
    """Everything until the end; returns (bytes, how it ended: 'eof', 'reset' or 'timeout')."""
    data, c.buffer = c.buffer, b""
    while True:
        try:
            piece = c.sock.recv(65536)
        except ConnectionResetError:
            return data, "reset"
        except socket.timeout:
            return data, "timeout"
        if not piece:
            return data, "eof"
        data += piece


class ResponseFraming(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = ScriptedOrigin()
        cls.tmp = TempDir()
        cls.doorman = Doorman(
            f'[server]\nworkers = 1\n\n[[route]]\nupstream = "127.0.0.1:{cls.origin.port}"\n',
            tmp=cls.tmp).start()

    @classmethod
    def tearDownClass(cls):
        cls.doorman.stop()
        cls.origin.close()
        cls.tmp.cleanup()

    def request(self, c, path, method="GET", version="HTTP/1.1"):
        c.send(f"{method} {path} {version}\r\nHost: a.test\r\n\r\n".encode())

    def assert_next_from_another_connection(self, bad_path, c=None):
        """The next request (on `c`, else a new client connection) is served by an upstream
        connection other than the one that answered bad_path."""
        own = c is None
        c = c or RawConnection(self.doorman.port)
        try:
            self.request(c, "/ok")
            r = c.read_response()
        finally:
            if own:
                c.close()
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body.startswith(b"ok "), r.body)
        self.assertNotEqual(int(r.body.split()[1]), self.origin.ids[bad_path],
                            f"the connection that answered {bad_path} was reused")

    def test_bad_content_length_is_502(self):
        for path in ("/cl-bad", "/cl-dup-differ", "/cl-te"):
            with RawConnection(self.doorman.port) as c:
                self.request(c, path)
                r = c.read_response()
                self.assertEqual(r.status, 502, path)
                self.assertEqual(r.body, b"upstream-bad-response\n", path)
                self.assert_next_from_another_connection(path, c)

    def test_identical_duplicate_content_length_is_one(self):
        with RawConnection(self.doorman.port) as c:
            self.request(c, "/cl-dup-same")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual([v for k, v in r.headers if k.lower() == "content-length"], ["5"])
            self.assertEqual(r.body, b"hello")

    def test_body_where_none_is_allowed_never_reaches_the_next_request(self):
        for path, method in (("/204-body", "GET"), ("/304-body", "GET"), ("/head-body", "HEAD"),
                             ("/cl-extra", "GET")):
            with RawConnection(self.doorman.port) as c:
                self.request(c, path, method)
                r = c.read_response(head_request=method == "HEAD")
                self.assertIn(r.status, (200, 204, 304), path)
                if path == "/cl-extra":
                    self.assertEqual(r.body, b"ok")
                # The same client connection and a fresh one both get a real answer.
                self.assert_next_from_another_connection(path, c)
                self.assert_next_from_another_connection(path)

    def test_bytes_after_a_chunked_body_are_never_relayed_nor_the_connection_reused(self):
        with RawConnection(self.doorman.port) as c:
            self.request(c, "/chunked-extra")
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, b"hello"))
        self.assert_next_from_another_connection("/chunked-extra")
        # HTTP/1.0: the body is de-chunked and the client connection closed after it; the body
        # comes with the head, or after it.
        for path in ("/chunked-extra", "/chunked-extra-later"):
            with RawConnection(self.doorman.port) as c:
                self.request(c, path, version="HTTP/1.0")
                if path.endswith("later"):
                    while b"\r\n\r\n" not in c.buffer:
                        c._fill()
                    self.origin.step.set()
                data, _ = read_all(c)
            self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), (path, data))
            self.assertEqual(data.split(b"\r\n\r\n", 1)[1], b"hello", path)
            self.assert_next_from_another_connection(path)

    def test_late_body_on_a_pooled_connection_is_discarded(self):
        self.origin.late.clear()
        self.origin.late_sent.clear()
        with RawConnection(self.doorman.port) as c:
            self.request(c, "/204-late-body")
            self.assertEqual(c.read_response().status, 204)
        # doorman has pooled the connection; now the origin sends a response nobody asked for.
        self.origin.late.set()
        self.assertTrue(self.origin.late_sent.wait(DEADLINE))
        # Loopback delivery may lag under load: wait until the kernel queued the bytes on
        # doorman's side (its socket to the origin port has a non-empty receive queue).
        wait_until(lambda: bytes_queued_from(self.origin.port), what="late bytes at doorman")
        self.assert_next_from_another_connection("/204-late-body")

    def test_interim_responses_are_relayed_to_http11_only(self):
        for path, code in (("/100-then-200", 100), ("/103-then-200", 103)):
            with RawConnection(self.doorman.port) as c:
                self.request(c, path)
                interim = c.read_response()
                self.assertEqual(interim.status, code, path)
                if code == 103:
                    self.assertEqual(interim.header("Link"), "</s.css>; rel=preload")
                final = c.read_response()
                self.assertEqual((final.status, final.body), (200, b"final"), path)
            with RawConnection(self.doorman.port) as c:
                self.request(c, path, version="HTTP/1.0")
                final = c.read_response()
                self.assertEqual((final.status, final.body), (200, b"final"), path)

    def check_truncated(self, path, version="HTTP/1.1"):
        with RawConnection(self.doorman.port) as c:
            self.request(c, path, version=version)
            if isinstance(SCRIPTS[path][0], list):
                while b"hello" not in c.buffer:
                    c._fill()
                self.origin.step.set()
            data, end = read_all(c)
        self.assertEqual(end, "reset", f"{path} {version}: ended by {end}: {data!r}")
        body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
        self.assertFalse(body.endswith(b"0\r\n\r\n"), f"{path}: a terminating chunk")
        self.assertNotIn(b"INJECTED", data, path)
        return data

    def test_truncated_bodies_never_look_complete(self):
        for path in ("/chunked-ends-early", "/chunked-junk", "/cl-short", "/until-close-reset"):
            self.check_truncated(path)
        # An HTTP/1.0 client gets the chunked body de-chunked and close-delimited: only the
        # reset tells it the body is short.
        self.check_truncated("/chunked-ends-early", version="HTTP/1.0")
        self.assert_next_from_another_connection("/chunked-junk")


if __name__ == "__main__":
    unittest.main()
