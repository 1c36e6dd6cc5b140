"""SIGTERM under load: a load generator runs on keep-alive and one-request connections, fast and
slow requests, when SIGTERM comes. The listeners close at once; every request doorman accepted
completes (doorman's access log says which it read: each request has its own target); idle
keep-alive connections are closed while the slow requests still run; the busy ones get
"Connection: close" on their last response; doorman exits 0 within the drain timeout."""

import re
import signal
import time
import unittest

from harness import DoormanTestCase, RawConnection, port_accepts, wait_until
from load_helpers import LabelledOrigins, LoadGenerator, run_in_thread

DRAIN_S = 10
SLOW_MS = 2500  # the slow requests in flight keep doorman draining this long after SIGTERM


def served_targets(stderr):
    """target -> status, from the access log lines (`... "GET /?r=1" host route 200 ...`)."""
    served = {}
    for m in re.finditer(r'"GET (\S+)" \S+ \S+ (\d+) ', stderr):
        served[m.group(1)] = int(m.group(2))
    return served


class ShutdownUnderLoad(DoormanTestCase):
    def test_sigterm_under_load_fails_no_accepted_request(self):
        origins = LabelledOrigins("A")
        self.cleanups.append(origins.stop)
        d = self.start_doorman(
            f'[server]\nworkers = 2\n\n[log]\naccess = "stderr"\n\n[timeouts]\ndrain = "{DRAIN_S}s"\n\n'
            f'[[route]]\nupstream = "127.0.0.1:{origins.port["A"]}"\nsource_ip = "direct"\n')
        fast = LoadGenerator(d.port, seconds=40, rate=600, keep_alive=12, fresh=6, unique=True)
        slow = LoadGenerator(d.port, seconds=40, rate=40, keep_alive=6, fresh=2,
                             path=f"/slow?ms={SLOW_MS}", unique=True)
        thread = run_in_thread(fast, slow)
        self.cleanups.append(lambda: (fast.stop(), slow.stop(), thread.join(timeout=30)))
        # A few seconds of load, with slow requests in flight on every slow connection.
        wait_until(lambda: sum(1 for r in fast.results if r.status) > 1000, timeout=30,
                   what="the load to run")
        wait_until(lambda: sum(1 for r in slow.results if r.status) >= 8, timeout=30,
                   what="slow requests to complete")
        # Two keep-alive connections surely idle at SIGTERM (the generator's may all be busy).
        idle_conns = [RawConnection(d.port) for _ in range(2)]
        for c in idle_conns:
            self.cleanups.append(c.close)
            c.send(b"GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)

        signalled = time.monotonic()
        d.send_signal(signal.SIGTERM)
        # The listeners close at once: refused while the slow requests still run.
        wait_until(lambda: not port_accepts(d.port), timeout=SLOW_MS / 1000,
                   what="the listener to close")
        refused_after = time.monotonic() - signalled
        # Idle keep-alive connections are closed during the drain, not at the exit.
        self.assertEqual([c.is_closed(timeout=SLOW_MS / 1000) for c in idle_conns],
                         [True, True])
        self.assertIsNone(d.proc.poll(), "doorman exited before the slow requests completed")
        rc = d.wait(timeout=DRAIN_S + 10)
        exited_after = time.monotonic() - signalled
        fast.stop()
        slow.stop()
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertEqual(rc, 0)
        self.assertLess(exited_after, DRAIN_S)
        stderr = d.stderr()
        self.assertIn("doorman: SIGTERM, draining", stderr)
        self.assertNotIn("drain timeout", stderr)

        results = fast.results + slow.results
        served = served_targets(stderr)
        sent = [r for r in results if r.target is not None]  # connected and sent
        self.assertTrue(served)
        # Every request doorman read was answered in full (and nothing else was answered).
        accepted = [r for r in sent if r.target in served]
        failed = [(r.target, r.error, r.status, r.keep_alive, round(r.done - signalled, 3))
                  for r in accepted if r.error or r.status != 200]
        self.assertEqual(failed, [], [line for line in stderr.splitlines()
                                      if any(f'"GET {f[0]}"' in line for f in failed)])
        self.assertEqual([r.target for r in sent if r.status and r.target not in served], [])
        # What doorman never read: the request raced a close (an idle keep-alive connection
        # closed as it went out, which RFC 9112 §9.3.1 lets a client retry, or a connection
        # completed as the listener closed). At most one per connection of the generators, only
        # around SIGTERM, and never a response cut short.
        lost = [r for r in sent if r.target not in served]
        self.assertTrue(all(r.error in ("eof-before-response", "reset") and
                            r.sent > signalled - 0.5 for r in lost),
                        [(r.target, r.error, r.sent - signalled) for r in lost])
        self.assertLessEqual(len(lost), 12 + 6 + 6 + 2)
        refused = [r for r in results if r.error == "refused"]
        self.assertTrue(all(r.sent >= signalled for r in refused))

        # Busy keep-alive connections: a response written well after the drain began says
        # "Connection: close". A slow request sent less than SLOW_MS - 0.5 s before SIGTERM is
        # answered at least 0.5 s after it (the origin waits SLOW_MS): such are in flight.
        late = [r for r in accepted if r.keep_alive and r.target.startswith("/slow") and
                r.sent > signalled - (SLOW_MS / 1000 - 0.5)]
        self.assertGreaterEqual(len(late), 1)
        self.assertEqual([r.target for r in late if not r.conn_close], [])
        # The generator's keep-alive connections found idle were closed before the exit too.
        idle = [t for t in fast.idle_closed + slow.idle_closed if t >= signalled]
        self.assertTrue(all(t < signalled + exited_after for t in idle))

        elapsed = signalled - fast.started
        before = sum(1 for r in accepted if r.sent < signalled)
        print(f"\nSIGTERM under load: {len(accepted)} requests accepted "
              f"({before / elapsed:.0f} req/s over {elapsed:.1f} s before SIGTERM), "
              f"{len(failed)} failed, {len(late)} in flight answered with Connection: close, "
              f"{len(idle)} idle connections closed, {len(lost)} raced a close, "
              f"{len(refused)} refused after; listener closed after {refused_after:.2f} s, "
              f"exit 0 after {exited_after:.2f} s")


if __name__ == "__main__":
    unittest.main()
