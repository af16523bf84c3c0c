"""The state file STATE_DIR/testenv.json that describes a running environment to tests.

It holds credentials, so it is written with mode 0600 and never printed.
"""

from __future__ import annotations

import json
from pathlib import Path

from .procs import write_private

STATE_FILE = "testenv.json"

# Names used by both servers.
REGION = "us-east-1"
BUCKET = "secexport-test"
OTHER_BUCKET = "secexport-other"
ROLE = "customer-role"
EXPORTER_USER = "exporter-user"  # access key method: carries the spec policy
EXPORTER_IDENTITY = "exporter-identity"  # role method: the exporter's own identity
ADMIN = "admin"
POLICY_NAME = "secexport"  # name of every inline policy set here


def path(state_dir: str | Path) -> Path:
    return Path(state_dir) / STATE_FILE


def save(state_dir: str | Path, state: dict) -> Path:
    p = path(state_dir)
    write_private(p, json.dumps(state, indent=2, sort_keys=True) + "\n")
    return p


def load(state_dir: str | Path) -> dict:
    p = path(state_dir)
    try:
        return json.loads(p.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"no test environment described in {p} (not started?)") from None
