"""Reload under load: SIGHUP and `doorman reload` swap a new configuration in while a load
generator runs, with no failed request, no reset, and every response from the configuration it
should come from; a bad configuration is refused with FILE:LINE and the old one keeps serving;
listeners come and go; rate-limit budgets survive."""

import os
import signal
import socket
import time
import unittest

from harness import (DoormanTestCase, RawConnection, free_port, http_get, port_accepts,
                     run_doorman, wait_until)
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

    def reload(self, d, config):
        """Writes `config` over the file (atomically) and sends SIGHUP; returns once doorman
        said it reloaded or refused, with (ok, time seen)."""
        before = self.reloads_done(d)
        tmp = d.config_path + ".new"
        with open(tmp, "w") as f:
            f.write(f'[[listener]]\naddress = "127.0.0.1:{d.port}"\n\n' + config +
                    "\n[cloudflare]\nrefresh = false\n")
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


if __name__ == "__main__":
    unittest.main()
