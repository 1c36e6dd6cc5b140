"""SIGTERM while Redis-limited requests are in flight: the Redis thread's answers are posted
onto the workers' event loops, so the server must stop that thread before it destroys them
(runtime/server.cc). A fake Redis here answers SCRIPT LOAD at once and holds every EVALSHA for
a while, so at SIGTERM the backend thread is still waiting on a batch whose requests already
fell back (backend_timeout) or are still waiting. doorman must drain, answer every request and
exit 0 with nothing from ASan/UBSan on stderr (the sanitizer build reports a use after free
there otherwise)."""

import signal
import socket
import threading
import time
import unittest

from harness import DEADLINE, DoormanTestCase, RawConnection, wait_until

CONFIG = """
[server]
workers = 2

[rate_limit]
requests = 100
per = "1s"
backend = "redis://127.0.0.1:{redis_port}"
backend_timeout = "50ms"

[[route]]
route = "app.test"
upstream = "builtin:echo"
"""

SHA = b"0123456789abcdef0123456789abcdef01234567"


class SlowRedis:
    """Speaks just enough RESP for doorman's backend: SCRIPT LOAD -> a sha; EVALSHA -> an
    "allowed" GCRA answer, but each pipelined batch only after `hold` seconds."""

    def __init__(self, hold):
        self.hold = hold
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.evalsha = 0
        self.stopped = False
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b""
        out = []
        held = False  # an EVALSHA answer is waiting in `out`

        def fill():
            # Before blocking for more bytes, answer everything parsed so far: a pipelined batch
            # is held once, `hold` seconds, not once per question.
            nonlocal buf, out, held
            if out:
                if held:
                    time.sleep(self.hold)
                conn.sendall(b"".join(out))
                out, held = [], False
            data = conn.recv(65536)
            if not data:
                raise EOFError
            buf += data

        def line():
            nonlocal buf
            while b"\r\n" not in buf:
                fill()
            first, buf = buf.split(b"\r\n", 1)
            return first

        def take(n):
            nonlocal buf
            while len(buf) < n + 2:
                fill()
            first, buf = buf[:n], buf[n + 2:]
            return first

        try:
            while True:
                head = line()
                args = [take(int(line()[1:])) for _ in range(int(head[1:]))]
                command = args[0].upper()
                if command == b"SCRIPT":
                    out.append(b"$%d\r\n%s\r\n" % (len(SHA), SHA))
                elif command == b"EVALSHA":
                    with self.lock:
                        self.evalsha += 1
                    out.append(b"*4\r\n:1\r\n:99\r\n:0\r\n:10000\r\n")
                    held = True
                else:
                    out.append(b"-ERR unknown\r\n")
        except (EOFError, OSError):
            pass
        finally:
            conn.close()

    def close(self):
        self.stopped = True
        self.sock.close()


def get(port):
    with RawConnection(port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
        return c.read_response()


class LimitsShutdownTest(DoormanTestCase):
    def test_sigterm_with_redis_answers_in_flight(self):
        # The backend thread's io timeout is 20 x backend_timeout = 1 s: holding answers 600 ms
        # keeps it inside one batch across the whole drain.
        redis = SlowRedis(hold=0.6)
        self.cleanups.append(redis.close)
        doorman = self.start_doorman(CONFIG.format(redis_port=redis.port))
        wait_until(lambda: "reachable" in doorman.stderr(), what="the backend to connect")

        results = []
        lock = threading.Lock()

        def client():
            try:
                status = get(doorman.port).status
            except (OSError, EOFError) as e:
                status = repr(e)
            with lock:
                results.append(status)

        threads = [threading.Thread(target=client) for _ in range(12)]
        for t in threads:
            t.start()
        wait_until(lambda: redis.evalsha > 0, what="a question to reach Redis")
        doorman.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(DEADLINE)
        rc = doorman.wait()
        stderr = doorman.stderr()
        self.assertEqual(rc, 0, stderr)
        self.assertNotIn("AddressSanitizer", stderr)
        self.assertNotIn("runtime error", stderr)
        self.assertIn("doorman: stopped", stderr)
        # Every request got an answer: Redis was too slow, so the local fallback decided. A
        # connection accepted after SIGTERM may have been refused instead (no status).
        answered = [r for r in results if isinstance(r, int)]
        self.assertTrue(answered, results)
        self.assertTrue(all(r == 200 for r in answered), results)


if __name__ == "__main__":
    unittest.main()
