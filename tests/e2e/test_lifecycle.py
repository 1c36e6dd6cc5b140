"""Process lifecycle and protection: SIGTERM/SIGINT drain with in-flight requests (none fails),
the drain timeout, the connection cap, and the request-head and keep-alive timeouts."""

import signal
import socket
import threading
import time
import unittest

from harness import DoormanTestCase, RawConnection, http_get, port_accepts, wait_until


class Drain(DoormanTestCase):
    def test_sigterm_during_load_fails_no_request(self):
        origin = self.start_origin()
        d = self.start_doorman(f'[timeouts]\ndrain = "10s"\n\n[[route]]\nupstream = "{origin.address}"\n')
        results = []

        def client(i):
            try:
                results.append(http_get(d.port, f"/slow?ms=700&i={i}").status)
            except Exception as e:  # noqa: BLE001 - recorded as a failure
                results.append(repr(e))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        wait_until(lambda: len(origin.requests) == 16, what="all requests in flight")
        # An idle keep-alive client too: it must be closed, not left hanging.
        idle = RawConnection(d.port)
        idle.send(b"GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(idle.read_response().status, 200)
        d.send_signal(signal.SIGTERM)
        self.assertTrue(idle.is_closed(timeout=5))
        idle.close()
        for t in threads:
            t.join(timeout=20)
        self.assertEqual(results, [200] * 16)
        self.assertEqual(d.wait(), 0)
        self.assertFalse(port_accepts(d.port))

    def test_in_flight_keep_alive_response_says_close(self):
        origin = self.start_origin()
        d = self.start_doorman(f'[[route]]\nupstream = "{origin.address}"\n')
        with RawConnection(d.port) as c:
            c.send(b"GET /slow?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n")
            wait_until(lambda: len(origin.requests) == 1)
            d.send_signal(signal.SIGINT)
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(d.wait(), 0)

    def test_drain_timeout_bounds_the_exit(self):
        origin = self.start_origin()
        d = self.start_doorman(f'[timeouts]\ndrain = "300ms"\n\n[[route]]\nupstream = "{origin.address}"\n')
        c = RawConnection(d.port)
        c.send(b"GET /slow?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: len(origin.requests) == 1)
        started = time.monotonic()
        d.send_signal(signal.SIGTERM)
        self.assertEqual(d.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 4)
        c.close()


class Limits(DoormanTestCase):
    def test_connection_cap_refuses_cleanly(self):
        d = self.start_doorman('[server]\nworkers = 1\n[limits]\nmax_connections = 2\n\n[[route]]\nupstream = "builtin:echo"\n')
        a = RawConnection(d.port)
        b = RawConnection(d.port)
        for c in (a, b):  # make sure both are accepted and counted
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
        with RawConnection(d.port) as extra:
            r = extra.read_response()
            self.assertEqual(r.status, 503)
            self.assertEqual(r.body, b"over-capacity\n")
            self.assertTrue(extra.is_closed())
        for c in (a, b):  # the others keep being served
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
        a.close()
        b.close()
        # once one left, a new client gets in again
        wait_until(lambda: http_get(d.port, "/").status == 200, what="a free slot")

    def test_slowloris_head_timeout(self):
        d = self.start_doorman('[timeouts]\nrequest_head = "600ms"\n\n[[route]]\nupstream = "builtin:echo"\n')
        with RawConnection(d.port) as slow:
            started = time.monotonic()
            slow.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
            # Trickling bytes does not extend the deadline.
            for _ in range(3):
                time.sleep(0.1)
                slow.send(b"X-A: 1\r\n")
            self.assertEqual(http_get(d.port, "/other").status, 200)  # others are served
            self.assertTrue(slow.is_closed(timeout=5))
            self.assertLess(time.monotonic() - started, 3)

    def test_silent_new_connection_times_out(self):
        d = self.start_doorman('[timeouts]\nrequest_head = "400ms"\n\n[[route]]\nupstream = "builtin:echo"\n')
        with RawConnection(d.port) as silent:
            self.assertTrue(silent.is_closed(timeout=5))

    def test_keepalive_idle_timeout(self):
        d = self.start_doorman('[timeouts]\nkeepalive_idle = "400ms"\n\n[[route]]\nupstream = "builtin:echo"\n')
        with RawConnection(d.port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
            started = time.monotonic()
            self.assertTrue(c.is_closed(timeout=5))
            self.assertGreater(time.monotonic() - started, 0.2)


if __name__ == "__main__":
    unittest.main()
