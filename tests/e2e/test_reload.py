"""Reload under load: SIGHUP and `doorman reload` swap a new configuration in while a load
generator runs, with no failed request, no reset, and every response from the configuration it
should come from; a bad configuration is refused with FILE:LINE and the old one keeps serving;
listeners come and go; rate-limit budgets survive; HTTP/2 streams in flight finish on their
snapshot while new streams take the new one, and a removed listener's HTTP/2 connection gets
GOAWAY and drains."""

import json
import os
import signal
import socket
import time
import unittest

import h2_frames as h2
from harness import (DoormanTestCase, RawConnection, free_port, http_get, port_accepts,
                     run_doorman, self_signed, wait_until)
from load_helpers import LabelledOrigins, LoadGenerator, run_in_thread


def routed_to(label, port, extra=""):
    return (f'[server]\nworkers = 2\n{extra}\n[[route]]\nupstream = "127.0.0.1:{port}"\n'
            f'source_ip = "direct"\n# generation {label}\n')


class Reloading(DoormanTestCase):
    def start_origins(self, *labels):
        o = LabelledOrigins(*labels)
        self.cleanups.append(o.stop)
        return o

    def reloads_done(self, d):
        text = d.stderr()
        return text.count("doorman: reloaded ") + text.count("doorman: reload failed")

    def reload(self, d, config, listener=None):
        """Writes `config` over the file (atomically) and sends SIGHUP; returns once doorman
        said it reloaded or refused, with (ok, time seen). `listener`: the [[listener]] tables
        (default: the plain one doorman listens on)."""
        before = self.reloads_done(d)
        if listener is None:
            listener = f'[[listener]]\naddress = "127.0.0.1:{d.port}"\n\n'
        tmp = d.config_path + ".new"
        with open(tmp, "w") as f:
            f.write(listener + config + "\n[cloudflare]\nrefresh = false\n")
        os.replace(tmp, d.config_path)
        d.send_signal(signal.SIGHUP)
        wait_until(lambda: self.reloads_done(d) > before, what="the reload to finish")
        seen = time.monotonic()
        ok = d.stderr().count("doorman: reloaded ") > 0 and \
            d.stderr().rsplit("doorman: reload", 1)[1].startswith("ed ")
        return ok, seen

    def test_twenty_reloads_under_load_fail_no_request(self):
        origins = self.start_origins("A", "B")
        a = routed_to("A", origins.port["A"])
        b = routed_to("B", origins.port["B"])
        bad = a + '\n[limits]\nmax_connections = "many"\n'
        d = self.start_doorman(a)
        load = LoadGenerator(d.port, seconds=10.0, rate=1000, keep_alive=16, fresh=8)
        thread = run_in_thread(load)
        wait_until(lambda: len(load.results) > 50, what="load running")
        # (label in force after it, time the reload was signalled, time it was seen done)
        epochs = [("A", 0.0, 0.0)]
        plan = [b, bad, a] * 7
        for i in range(20):
            config = plan[i]
            signalled = time.monotonic()
            ok, seen = self.reload(d, config)
            self.assertEqual(ok, config is not bad, d.stderr()[-2000:])
            label = epochs[-1][0] if config is bad else ("A" if config is a else "B")
            epochs.append((label, signalled, seen))
            time.sleep(0.3)  # spreads the 20 reloads over the load's 10 s
        thread.join(timeout=60)
        self.assertFalse(thread.is_alive())
        self.assertIn(":", d.stderr().split("reload failed")[0].rsplit("\n", 3)[-2])

        results = load.results
        failed = [r for r in results if r.error or r.status != 200]
        elapsed = max(r.done for r in results) - load.started
        rate = len(results) / elapsed
        print(f"\nreload under load: {len(results)} requests in {elapsed:.1f} s "
              f"({rate:.0f} req/s), 20 reloads, {len(failed)} failed, "
              f"{sum(1 for r in results if r.error == 'reset')} resets")
        self.assertEqual([(r.error, r.status) for r in failed], [])
        # Every response comes from the configuration in force when it was sent: the last
        # reload seen done before the send, or a later one signalled before the answer came.
        wrong = []
        for r in results:
            done_before = [e for e in epochs if e[2] <= r.sent]
            allowed = {done_before[-1][0]}
            allowed |= {e[0] for e in epochs if r.sent < e[2] and e[1] <= r.done}
            if r.label not in allowed:
                wrong.append((r.sent, r.label, allowed))
        self.assertEqual(wrong, [])
        self.assertGreater(len({r.label for r in results}), 1)
        self.assertGreater(rate, 200)  # the generator really ran (ASan on 2 busy cores)
        self.assertEqual(d.stop(), 0)

    def test_bad_config_keeps_the_old_one_and_says_where(self):
        origins = self.start_origins("A", "B")
        d = self.start_doorman(routed_to("A", origins.port["A"]))
        ok, _ = self.reload(d, routed_to("B", origins.port["B"]) + '[timeouts]\ndrain = "soon"\n')
        self.assertFalse(ok)
        self.assertRegex(d.stderr(), r"doorman\.toml:\d+: timeouts\.drain: ")
        self.assertIn("still serving the previous configuration", d.stderr())
        self.assertEqual(http_get(d.port, "/").header("X-Origin"), "A")
        ok, _ = self.reload(d, routed_to("B", origins.port["B"]))
        self.assertTrue(ok)
        self.assertEqual(http_get(d.port, "/").header("X-Origin"), "B")

    def test_in_flight_request_finishes_on_its_snapshot(self):
        origins = self.start_origins("A", "B")
        d = self.start_doorman(routed_to("A", origins.port["A"]))
        with RawConnection(d.port) as c:
            c.send(b"GET /slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)  # the request is at the origin (no way to observe it there)
            ok, _ = self.reload(d, routed_to("B", origins.port["B"]))
            self.assertTrue(ok)
            r = c.read_response()
            self.assertEqual(r.header("X-Origin"), "A")
            # The same connection's next request gets the new configuration.
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().header("X-Origin"), "B")

    def test_listeners_added_and_removed(self):
        origins = self.start_origins("A")
        base = routed_to("A", origins.port["A"])
        d = self.start_doorman(base)
        extra_port = free_port()
        extra = f'[[listener]]\naddress = "127.0.0.1:{extra_port}"\n\n'
        self.assertTrue(self.reload(d, extra + base)[0])
        wait_until(lambda: f"doorman: listening on 127.0.0.1:{extra_port}\n" in d.stdout_lines,
                   what="the new listener's line")
        self.assertEqual(http_get(extra_port, "/").status, 200)
        idle = RawConnection(extra_port)
        idle.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(idle.read_response().status, 200)
        self.assertTrue(self.reload(d, base)[0])
        self.assertFalse(port_accepts(extra_port))
        self.assertTrue(idle.is_closed(timeout=10))  # its idle connection drained
        idle.close()
        self.assertEqual(http_get(d.port, "/").status, 200)
        # A listener that cannot be bound fails the reload; nothing changes.
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = f'[[listener]]\naddress = "127.0.0.1:{taken.getsockname()[1]}"\n\n'
            self.assertFalse(self.reload(d, busy + base)[0])
        self.assertRegex(d.stderr(), r"doorman\.toml:\d+: listener: cannot listen on ")
        self.assertEqual(http_get(d.port, "/").status, 200)

    def test_rate_limit_budget_survives_a_reload(self):
        origins = self.start_origins("A", "B")
        limit = '[rate_limit]\nrequests = 3\nper = "1h"\n'
        d = self.start_doorman(routed_to("A", origins.port["A"]) + limit)
        for _ in range(3):
            self.assertEqual(http_get(d.port, "/").status, 200)
        self.assertEqual(http_get(d.port, "/").status, 429)
        self.assertTrue(self.reload(d, routed_to("B", origins.port["B"]) + limit)[0])
        self.assertEqual(http_get(d.port, "/").status, 429)  # same budget, still spent
        # A different rule starts fresh budgets (docs/robustness.md).
        self.assertTrue(self.reload(d, routed_to("B", origins.port["B"]) +
                                    '[rate_limit]\nrequests = 5\nper = "1h"\n')[0])
        self.assertEqual(http_get(d.port, "/").status, 200)

    def test_reload_command_and_pid_file(self):
        origins = self.start_origins("A", "B")
        pid_file = os.path.join(self.tmp.path, "doorman.pid")
        d = self.start_doorman(routed_to("A", origins.port["A"], f'pid_file = "{pid_file}"\n'))
        wait_until(lambda: os.path.exists(pid_file), what="the pid file")
        with open(pid_file) as f:
            self.assertEqual(int(f.read()), d.proc.pid)
        with open(d.config_path, "w") as f:
            f.write(f'[[listener]]\naddress = "127.0.0.1:{d.port}"\n\n' +
                    routed_to("B", origins.port["B"], f'pid_file = "{pid_file}"\n'))
        rc, out, err = run_doorman("reload", "--config", d.config_path)
        self.assertEqual(rc, 0, err)
        wait_until(lambda: "doorman: reloaded " in d.stderr(), what="the reload")
        self.assertEqual(http_get(d.port, "/").header("X-Origin"), "B")
        rc, _, err = run_doorman("reload", "--pid-file", os.path.join(self.tmp.path, "none"))
        self.assertEqual(rc, 1)
        self.assertIn("cannot read the pid file", err)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(pid_file))

    def h2_listener(self, port):
        return (f'[[listener]]\naddress = "127.0.0.1:{port}"\ntls = true\n'
                f'[[listener.certificate]]\ncert = "{self.crt}"\nkey = "{self.key}"\n\n')

    def test_h2_streams_across_reloads(self):
        a, b = self.start_origin(), self.start_origin()
        self.crt, self.key = self_signed(self.tmp.path, "localhost")
        route = ('[server]\nworkers = 1\n\n[[route]]\nupstream = "{}"\n'
                 'source_ip = "direct"\n')
        d = self.start_doorman(self.h2_listener(0) + route.format(a.address))
        c = H2Client(d.port)
        self.cleanups.append(c.close)
        c.get(1, "/slow?ms=1500")
        wait_until(lambda: paths(a) == ["/slow?ms=1500"], what="stream 1 at origin A")
        self.assertTrue(self.reload(d, route.format(b.address), self.h2_listener(d.port))[0])
        # A new stream on the same connection takes the new snapshot; the one in flight
        # finishes on the one it started with.
        c.get(3, "/after-reload")
        c.read_until(lambda: c.ended(1) and c.ended(3))
        self.assertEqual([c.status_200(1), c.status_200(3)], [True, True], c.frames[-5:])
        self.assertEqual(c.json(1)["path"], "/slow?ms=1500")
        self.assertEqual(c.json(3)["path"], "/after-reload")
        self.assertEqual(paths(a), ["/slow?ms=1500"])
        self.assertEqual(paths(b), ["/after-reload"])
        self.assertIsNone(h2.goaway_code(c.frames))  # a kept listener keeps its connections
        fresh = H2Client(d.port)
        self.cleanups.append(fresh.close)
        fresh.get(1, "/new-connection")
        fresh.read_until(lambda: fresh.ended(1))
        self.assertEqual(paths(b), ["/after-reload", "/new-connection"])

        # The listener moves: its HTTP/2 connection gets GOAWAY (NO_ERROR, last stream 5),
        # stream 5 in flight completes, then the connection closes.
        c.get(5, "/slow?ms=1500")
        wait_until(lambda: "/slow?ms=1500" in paths(b), what="stream 5 at origin B")
        moved = free_port()
        self.assertTrue(self.reload(d, route.format(b.address), self.h2_listener(moved))[0])
        closed = c.read_until(lambda: False)
        self.assertTrue(closed, "the connection did not close after its last stream")
        goaway = [f for f in c.frames if f[0] == h2.GOAWAY]
        self.assertEqual(len(goaway), 1, c.frames[-5:])
        self.assertEqual(int.from_bytes(goaway[0][3][:4], "big") & 0x7FFFFFFF, 5)
        self.assertEqual(h2.goaway_code(c.frames), 0)
        self.assertTrue(c.status_200(5))
        self.assertEqual(c.json(5)["path"], "/slow?ms=1500")
        self.assertFalse(port_accepts(d.port))
        moved_client = H2Client(moved)
        self.cleanups.append(moved_client.close)
        moved_client.get(1, "/moved")
        moved_client.read_until(lambda: moved_client.ended(1))
        self.assertTrue(moved_client.status_200(1))
        self.assertEqual(d.stop(), 0)


def paths(origin):
    return [r[1] for r in origin.requests]


class H2Client(h2.H2Connection):
    """Raw HTTP/2 GETs whose responses are kept per stream (frames are not HPACK-decoded)."""

    def __init__(self, port):
        self.port = port
        self.frames = []
        super().__init__(port)

    def get(self, stream, path):
        fields = h2.request_fields(f"localhost:{self.port}", path=path)
        self.send(h2.frame(h2.HEADERS, h2.END_STREAM | h2.END_HEADERS, stream, h2.hpack(fields)))

    def read_until(self, done, timeout=30):
        """Reads frames until done() or the connection closes (then returns True)."""
        deadline = time.monotonic() + timeout
        while not done():
            f = self.read_frame(deadline)
            if f is None:
                return True
            self.frames.append(f)
            if f[0] == h2.SETTINGS and not f[1] & h2.ACK:
                self.send(h2.frame(h2.SETTINGS, h2.ACK, 0))
        return False

    def ended(self, stream):
        return any(f[2] == stream and f[0] in (h2.HEADERS, h2.DATA) and f[1] & h2.END_STREAM
                   for f in self.frames) or any(f[2] == stream and f[0] == h2.RST_STREAM
                                                for f in self.frames)

    def status_200(self, stream):
        # nghttp2 sends ":status: 200" as static table index 8 (RFC 7541 Appendix A): 0x88.
        heads = [f for f in self.frames if f[2] == stream and f[0] == h2.HEADERS]
        return bool(heads) and heads[0][3][:1] == b"\x88"

    def json(self, stream):
        return json.loads(b"".join(f[3] for f in self.frames if f[2] == stream and
                                   f[0] == h2.DATA))


if __name__ == "__main__":
    unittest.main()
