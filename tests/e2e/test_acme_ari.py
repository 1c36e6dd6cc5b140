"""ACME Renewal Information (RFC 9773) end to end: Debian's pebble (2.4) offers no
renewalInfo, so an HTTPS stand-in (acme_helpers.AriStandIn) serves pebble's directory with a
renewalInfo URL added and answers it with a chosen window, garbage, or nothing (a closed port).

Shows: after an issuance doorman asks renewalInfo for the new certificate by its RFC 9773
identifier (checked against one computed here with openssl) and schedules the renewal inside
the suggested window; a garbage or unreachable renewalInfo is logged and the renewal falls back
to two thirds of the lifetime (less up to a thirtieth of jitter).
"""

import datetime
import json
import os
import re
import unittest

from acme_helpers import AriStandIn, acme_config, ari_certificate_id, have_pebble
from harness import run_doorman
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
