"""The Debian package (`make deb`, docs/operations.md "Package"): CPack builds it from this
build tree (the debug build under `make test`: same files, an ASan binary; `make deb` packages
the release build), then: the contents (dpkg-deb -c), the control fields, `lintian` with no tag
left but the explained overrides, and `systemd-analyze verify` on the unit as installed.
Installing and running the package needs systemd as PID 1 and root: exercised only when both
hold (skipped otherwise, and docs/operations.md says where it was run)."""

import os
import re
import shutil
import subprocess
import unittest

from harness import DOORMAN_BIN, DoormanTestCase, have, wait_until

BUILD_DIR = os.path.dirname(DOORMAN_BIN)


class PackageTest(DoormanTestCase):
    @classmethod
    def setUpClass(cls):
        cls.deb = None
        if not (have("cpack") and have("dpkg-deb")) or not os.path.exists(
                os.path.join(BUILD_DIR, "CPackConfig.cmake")):
            return
        cls.out = os.path.join(BUILD_DIR, "test-artifacts", "deb")
        shutil.rmtree(cls.out, ignore_errors=True)
        os.makedirs(cls.out)
        p = subprocess.run(["cpack", "-G", "DEB", "-B", cls.out, "--config",
                            os.path.join(BUILD_DIR, "CPackConfig.cmake")],
                           capture_output=True, text=True, timeout=300)
        cls.cpack_output = p.stdout + p.stderr
        debs = [f for f in os.listdir(cls.out) if f.endswith(".deb")]
        if p.returncode == 0 and len(debs) == 1:
            cls.deb = os.path.join(cls.out, debs[0])

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(BUILD_DIR, "CPackConfig.cmake")):
            self.skipTest("no CPackConfig.cmake in " + BUILD_DIR)
        self.assertIsNotNone(self.deb, getattr(self, "cpack_output", "cpack not run"))

    def test_contents(self):
        listing = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True, text=True,
                                 check=True).stdout
        files = {}
        for line in listing.splitlines():
            fields = line.split()
            files[fields[5].lstrip(".")] = (fields[0], fields[1])
        for path in ["/usr/bin/doorman", "/etc/doorman/doorman.toml",
                     "/lib/systemd/system/doorman.service", "/usr/share/doc/doorman/copyright",
                     "/usr/share/doc/doorman/changelog.gz", "/usr/share/doc/doorman/operations.md",
                     "/usr/share/doc/doorman/config.md", "/usr/share/lintian/overrides/doorman"]:
            self.assertIn(path, files, listing)
            self.assertEqual(files[path][1], "root/root", path)
        self.assertEqual(files["/usr/bin/doorman"][0], "-rwxr-xr-x")
        self.assertEqual(files["/etc/doorman/doorman.toml"][0], "-rw-r--r--")
        control = subprocess.run(["dpkg-deb", "-f", self.deb], capture_output=True, text=True,
                                 check=True).stdout
        self.assertRegex(control, r"(?m)^Package: doorman$")
        self.assertRegex(control, r"(?m)^Depends: .*libc6")
        self.assertRegex(control, r"(?m)^Depends: .*libsystemd0")
        conffiles = subprocess.run(["dpkg-deb", "--ctrl-tarfile", self.deb], capture_output=True,
                                   check=True).stdout
        self.assertIn(b"conffiles", conffiles)

    def test_starter_config_is_valid(self):
        root = os.path.join(self.tmp.path, "root")
        subprocess.run(["dpkg-deb", "-x", self.deb, root], check=True)
        p = subprocess.run([DOORMAN_BIN, "check", "--config",
                            os.path.join(root, "etc/doorman/doorman.toml")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_lintian_clean(self):
        if not have("lintian"):
            self.skipTest("lintian not installed")
        p = subprocess.run(["lintian", "--tag-display-limit", "0", self.deb], capture_output=True,
                           text=True, timeout=300)
        # Every tag left must be explained; overridden tags do not print.
        self.assertEqual(p.stdout.strip(), "", p.stdout + p.stderr)

    def test_systemd_analyze_verify(self):
        if not have("systemd-analyze"):
            self.skipTest("systemd-analyze not installed")
        root = os.path.join(self.tmp.path, "root")
        subprocess.run(["dpkg-deb", "-x", self.deb, root], check=True)
        unit = os.path.join(root, "lib/systemd/system/doorman.service")
        # verify checks that ExecStart's binary exists: point it at the extracted one.
        with open(unit) as f:
            text = f.read().replace("/usr/bin/doorman", os.path.join(root, "usr/bin/doorman"))
        local = self.tmp.write("doorman.service", text)
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", local],
                           capture_output=True, text=True, timeout=60)
        problems = [l for l in (p.stdout + p.stderr).splitlines()
                    if "doorman.service" in l or "Unknown" in l or "Failed" in l]
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(problems, [], p.stdout + p.stderr)

    def test_install_start_reload_stop(self):
        with open("/proc/1/comm") as f:
            pid1 = f.read().strip()
        if pid1 != "systemd" or os.geteuid() != 0:
            self.skipTest(f"needs systemd as PID 1 and root (PID 1 is {pid1})")
        subprocess.run(["dpkg", "-i", self.deb], check=True, capture_output=True)

        def systemctl(*args):
            return subprocess.run(["systemctl", *args], capture_output=True, text=True,
                                  timeout=60)

        def main_pid():
            return systemctl("show", "--property=MainPID", "--value", "doorman").stdout.strip()

        try:
            # Type=notify: `start` returns once READY=1 arrived (or fails).
            p = systemctl("start", "doorman")
            self.assertEqual(p.returncode, 0, f"systemctl start: {p.stderr}")
            pid = main_pid()
            p = systemctl("reload", "doorman")
            self.assertEqual(p.returncode, 0, f"systemctl reload: {p.stderr}")
            # SIGHUP reloads: the same process still serves (a default SIGHUP would kill it).
            wait_until(lambda: systemctl("is-active", "doorman").stdout.strip() == "active",
                       what="doorman active after reload")
            self.assertEqual(main_pid(), pid)
            p = systemctl("stop", "doorman")
            self.assertEqual(p.returncode, 0, f"systemctl stop: {p.stderr}")
        finally:
            subprocess.run(["dpkg", "--purge", "doorman"], capture_output=True)


if __name__ == "__main__":
    unittest.main()
