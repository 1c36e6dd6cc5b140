"""The admin status page in a real browser: headless Chromium loads it after known traffic, its
script fetches /status.json and renders the tables; the test reads the rendered numbers from
the DOM dump and keeps a screenshot (BUILD_DIR/test-artifacts/status-page.png)."""

import html
import os
import re
import shutil
import subprocess
import unittest

import admin_helpers as ah
from harness import DOORMAN_BIN, DoormanTestCase

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(tmp, *args):
    # --virtual-time-budget lets the page's fetch() finish before the dump / screenshot.
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={tmp}",
            "--virtual-time-budget=8000", "--window-size=1600,1300"]
    return subprocess.run(base + list(args), capture_output=True, text=True, timeout=80)


def row_cells(dom, attribute, value):
    """The text of each <td> of the row carrying data-ATTRIBUTE="VALUE"."""
    m = re.search(r'<tr data-%s="%s">(.*?)</tr>' % (attribute, re.escape(value)), dom, re.S)
    if not m:
        raise AssertionError(f"no row data-{attribute}={value} in the DOM")
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)]


class StatusPageTest(DoormanTestCase):
    def test_chromium_renders_the_numbers(self):
        if CHROMIUM is None:
            self.skipTest("chromium not installed")
        admin = ah.start_with_known_traffic(self)
        status = __import__("json").loads(ah.admin_get(admin, "/status.json")[2])
        url = f"http://{admin}/"

        p = chromium(os.path.join(self.tmp.path, "profile"), "--dump-dom", url)
        dom = p.stdout
        self.assertIn('id="total-requests">12<', dom, p.stderr[-2000:])
        self.assertEqual(row_cells(dom, "route", "api.test")[:3], ["api.test", "5", "5"])
        self.assertEqual(row_cells(dom, "route", "limited.test")[:5],
                         ["limited.test", "3", "1", "0", "2"])
        self.assertEqual(row_cells(dom, "source", "x-forwarded-for")[:2], ["x-forwarded-for", "5"])
        self.assertEqual(row_cells(dom, "client", "203.0.113.7"), ["203.0.113.7", "3"])
        self.assertEqual(row_cells(dom, "client", "198.51.100.9"), ["198.51.100.9", "2"])
        self.assertRegex(dom, r"<td[^>]*>forbidden</td><td[^>]*>not-cloudflare</td><td[^>]*>2</td>")
        self.assertIn('id="ready" class="ok">ready<', dom)
        # The recent requests carry the request ids doorman generated.
        self.assertEqual(len(status["recent"]), ah.TOTAL_REQUESTS)
        ids = [r["request_id"] for r in status["recent"] if r["request_id"]]
        self.assertEqual(len(set(ids)), ah.FORWARDED_REQUESTS)
        for request_id in ids:
            self.assertIn(f">{request_id}<", dom)

        artifacts = os.path.join(os.path.dirname(DOORMAN_BIN), "test-artifacts")
        os.makedirs(artifacts, exist_ok=True)
        shot = os.path.join(artifacts, "status-page.png")
        if os.path.exists(shot):
            os.unlink(shot)
        p = chromium(os.path.join(self.tmp.path, "profile2"), f"--screenshot={shot}", url)
        self.assertTrue(os.path.exists(shot), p.stderr[-2000:])
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(shot), 20000)  # a rendered page, not a blank one


if __name__ == "__main__":
    unittest.main()
