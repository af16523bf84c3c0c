"""Scans everything secexport wrote to stderr during the whole integration suite (every log
line and error message; support.py appends them to SECEXPORT_LOG_CAPTURE) for the secrets
the suite used: every secret access key of every test server, and every session token and
source token the tests handed out (support.remember_secrets lists them beside the capture)."""

from __future__ import annotations

import os
import unittest
from pathlib import Path


class no_secrets_test(unittest.TestCase):
    def test_no_secret_appears_in_any_captured_output(self):
        capture = Path(os.environ["SECEXPORT_LOG_CAPTURE"])
        self.assertTrue(capture.exists(), "no output was captured: did the integration tests run?")
        text = capture.read_text(errors="replace")
        self.assertGreater(len(text), 1000, "suspiciously little output captured")
        listed = Path(str(capture) + ".secrets")
        secrets = {line.strip() for line in listed.read_text().splitlines() if line.strip()}
        self.assertGreater(len(secrets), 3, "the tests recorded no secrets to look for")
        for s in secrets:
            self.assertNotIn(s, text, "a secret appears in secexport's output")


if __name__ == "__main__":
    unittest.main(verbosity=2)
