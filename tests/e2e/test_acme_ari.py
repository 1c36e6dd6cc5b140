"""ACME Renewal Information (RFC 9773) end to end: Debian's pebble (2.4) offers no
renewalInfo, so an HTTPS stand-in (acme_helpers.AriStandIn) serves pebble's directory with a
renewalInfo URL added and answers it with a chosen window, garbage, or nothing (a closed port).

Shows: after an issuance doorman asks renewalInfo for the new certificate by its RFC 9773
identifier (checked against one computed here with openssl) and schedules the renewal inside
the suggested window; a restart asks again about the held certificate, and renews it at once
when the CA has moved its window into the past; a garbage or unreachable renewalInfo is logged and the renewal falls back
to two thirds of the lifetime (less up to a thirtieth of jitter).
"""

import datetime
import json
import os
import re
import unittest

from acme_helpers import AriStandIn, acme_config, ari_certificate_id, have_pebble
from harness import run_doorman, wait_until
from test_acme import AcmeTestCase

UTC = datetime.timezone.utc
LIFETIME = datetime.timedelta(days=90)


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@unittest.skipUnless(have_pebble(), "pebble is not installed (scripts/install-deps)")
class RenewalInformation(AcmeTestCase):
    def start_with_ari(self, host, mode, window=None):
        pebble = self.start_pebble(validity_seconds=int(LIFETIME.total_seconds()))
        ari = AriStandIn(pebble, mode, window)
        self.cleanups.append(ari.stop)
        config = acme_config(pebble, self.state_dir, self.http_port, self.tls_port, [host],
                             ["http-01"]).replace(pebble.directory, ari.directory)
        self.config = config
        d = self.start_doorman(config, listeners=2)
        self.wait_issued(d, host)
        issued = next(l for l in d.stderr().splitlines() if host + ": certificate issued" in l)
        return d, ari, issued

    def renewal_from(self, issued_line):
        return parse_time(re.search(r"renewal from (\S+?)[,)]", issued_line).group(1))

    def held(self, d):
        rc, out, err = run_doorman("certs", "list", "-c", d.config_path, "--json")
        self.assertEqual(rc, 0, err)
        entry = json.loads(out)[0]
        return parse_time(entry["not_before"]), parse_time(entry["not_after"])

    def assert_two_thirds(self, d, due):
        not_before, not_after = self.held(d)
        lifetime = not_after - not_before
        latest = not_before + lifetime * 2 / 3
        earliest = latest - lifetime / 30
        self.assertGreaterEqual(due, earliest - datetime.timedelta(seconds=1))
        self.assertLessEqual(due, latest + datetime.timedelta(seconds=1))

    def test_the_suggested_window_is_used(self):
        now = datetime.datetime.now(UTC).replace(microsecond=0)
        start, end = now + datetime.timedelta(days=10), now + datetime.timedelta(days=11)
        d, ari, issued = self.start_with_ari("ari.test", "window", (start, end))
        # Asked once, for the served certificate, by its RFC 9773 identifier.
        chain = os.path.join(self.state_dir, "certificates", "ari.test.pem")
        self.assertEqual(ari.asked, [ari_certificate_id(chain)])
        self.assertIn("in the CA's renewalInfo window", issued)
        due = self.renewal_from(issued)
        self.assertGreaterEqual(due, start)
        self.assertLessEqual(due, end)
        # Far from what two thirds of the 90 days would have said (day 57 to 60).
        not_before, _ = self.held(d)
        self.assertLess(due, not_before + datetime.timedelta(days=20))

    def test_a_held_certificate_is_asked_about_at_start_and_renewed_when_the_window_passed(self):
        now = datetime.datetime.now(UTC).replace(microsecond=0)
        start, end = now + datetime.timedelta(days=10), now + datetime.timedelta(days=11)
        d, ari, issued = self.start_with_ari("held.test", "window", (start, end))
        [first] = ari.asked
        d.stop()
        self.cleanups.remove(d.stop)
        # A restart asks about the saved certificate and keeps its window: no order.
        d2 = self.start_doorman(self.config, listeners=2)
        line = "held.test: renewal from "
        wait_until(lambda: line in d2.stderr(), what=d2.stderr())
        due = parse_time(re.search(r"held\.test: renewal from (\S+),", d2.stderr()).group(1))
        self.assertGreaterEqual(due, start)
        self.assertLessEqual(due, end)
        self.assertEqual(ari.asked, [first, first])
        self.assertNotIn("requesting a certificate", d2.stderr())
        d2.stop()
        self.cleanups.remove(d2.stop)
        # The CA moves the window into the past (an incident): the next start renews at once.
        ari.past.add(first)
        d3 = self.start_doorman(self.config, listeners=2)
        self.wait_issued(d3, "held.test")
        err = d3.stderr()
        self.assertIn("held.test: requesting a certificate (renewal due since", err)
        self.assertLess(err.index("held.test: renewal from"),
                        err.index("held.test: requesting a certificate"))
        self.assertNotEqual(ari.asked[-1], first)  # the new certificate was asked about

    def test_garbage_renewal_information_falls_back_to_two_thirds(self):
        d, ari, issued = self.start_with_ari("garbage.test", "garbage")
        self.assertEqual(len(ari.asked), 1)
        self.assertRegex(d.stderr(), r"garbage\.test: renewalInfo: HTTP 200: <html>not renewal "
                                     r"information; renewing at two thirds of the lifetime instead")
        self.assertNotIn("renewalInfo window", issued)
        self.assert_two_thirds(d, self.renewal_from(issued))

    def test_unreachable_renewal_information_falls_back_to_two_thirds(self):
        d, ari, issued = self.start_with_ari("down.test", "unreachable")
        self.assertEqual(ari.asked, [])
        self.assertRegex(d.stderr(), r"down\.test: renewalInfo https://127\.0\.0\.1:\d+/"
                                     r"renewal-info/[\w-]+\.[\w-]+: .*; renewing at two thirds "
                                     r"of the lifetime instead")
        self.assertNotIn("renewalInfo window", issued)
        self.assert_two_thirds(d, self.renewal_from(issued))


if __name__ == "__main__":
    unittest.main()
