"""doorman at its file-descriptor limit: accept fails with EMFILE, the listener pauses instead
of spinning (CPU stays low), logs at most one line a second with the failures it stands for,
the connections it could not accept wait in the listen backlog, and they are served by
themselves once descriptors free up. The limit is lowered on the running process
(prlimit(2)), a few descriptors above what it holds."""

import os
import re
import resource
import select
import time
import unittest

from harness import DoormanTestCase, RawConnection, http_get, wait_until

REQUEST = b"GET /fd HTTP/1.1\r\nHost: x\r\n\r\n"
SPARE = 10  # descriptors doorman may still open once the limit is lowered
LINE = re.compile(r"accept failed on \S+: (.*); connections wait in the listen backlog, "
                  r"retrying in (\d+) ms \((\d+) failed accepts since the last line\)")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid):
    """utime + stime of the whole process (every thread), /proc/PID/stat fields 14 and 15."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def answered_within(conn, seconds):
    readable, _, _ = select.select([conn.sock], [], [], seconds)
    return bool(readable)


class FileDescriptorLimit(DoormanTestCase):
    def test_accept_backs_off_logs_once_a_second_and_resumes(self):
        d = self.start_doorman(
            '[server]\nworkers = 1\n\n[timeouts]\nrequest_head = "60s"\n'
            'keepalive_idle = "60s"\n\n[[route]]\nupstream = "builtin:echo"\n')
        pid = d.proc.pid
        for _ in range(3):  # whatever doorman opens on its first requests is open
            self.assertEqual(http_get(d.port, "/warm").status, 200)
        limit = fd_count(pid) + SPARE
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))

        # Connections with a request each until one gets no answer: its accept failed.
        served, waiting = [], []
        self.cleanups.append(lambda: [c.close() for c in served + waiting])
        for _ in range(SPARE + 6):
            c = RawConnection(d.port)
            c.send(REQUEST)
            if not answered_within(c, 1.0):
                waiting.append(c)
                break
            self.assertEqual(c.read_response().status, 200)
            served.append(c)
        self.assertEqual(len(waiting), 1, "the limit was never reached")
        saturated_at = time.monotonic() - 1.0
        self.assertGreaterEqual(len(served), 1)
        for _ in range(2):  # more connections queue behind it in the backlog
            c = RawConnection(d.port)
            c.send(REQUEST)
            waiting.append(c)
        wait_until(lambda: LINE.search(d.stderr()), what="the accept failure line")

        # Saturated: the listener must not spin. A busy loop would use a whole core.
        cpu_before, t_before = cpu_seconds(pid), time.monotonic()
        time.sleep(2.0)  # a measurement interval, not a wait for a condition
        cpu_share = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - t_before)
        for c in waiting:
            self.assertFalse(answered_within(c, 0), "a connection over the limit got an answer")
        lines = LINE.findall(d.stderr())
        saturated_for = time.monotonic() - saturated_at
        print(f"fd limit: cpu {cpu_share:.3f} of a core over 2 s, {len(lines)} lines in "
              f"{saturated_for:.1f} s: {lines}")
        self.assertLess(cpu_share, 0.10)
        self.assertTrue(all("Too many open files" in l[0] for l in lines), lines)
        self.assertGreaterEqual(len(lines), 2)  # one at once, one a second later
        self.assertLessEqual(len(lines), int(saturated_for + 0.1) + 1)
        self.assertGreater(max(int(l[2]) for l in lines[1:]), 1, "suppressed failures counted")
        self.assertTrue(all(50 <= int(l[1]) <= 200 for l in lines), lines)

        # Descriptors free up: the waiting connections are served by themselves, then new ones.
        for c in served[:len(waiting) + 1]:
            c.close()
        for c in waiting:
            self.assertTrue(answered_within(c, 5.0), "not served after descriptors freed up")
            self.assertEqual(c.read_response().status, 200)
        self.assertEqual(http_get(d.port, "/after").status, 200)
        for c in served[len(waiting) + 1:]:  # the old ones were never disturbed
            c.send(REQUEST)
            self.assertEqual(c.read_response().status, 200)


if __name__ == "__main__":
    unittest.main()
