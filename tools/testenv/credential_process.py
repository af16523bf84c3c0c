#!/usr/bin/env python3
"""A `credential_process` program for tests: prints Version 1 JSON with real temporary
credentials of the moto environment in STATE_DIR (customer-role, assumed as
exporter-identity), expiring EXPIRES_IN seconds from now (omitted with --static), and appends
one line per run to LOG: a JSON list of the secrets it printed (so a test can count runs and
register them). --exit N prints a note on stderr and exits
with N instead.

    credential_process = python3 tools/testenv/credential_process.py --state DIR --log FILE --expires-in 302
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testenv.credential_stubs import fresh_credentials  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--state", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--expires-in", type=float, default=3600)
    p.add_argument("--static", action="store_true")
    p.add_argument("--exit", type=int, default=0)
    a = p.parse_args()
    if a.exit:
        with open(a.log, "a", encoding="utf-8") as f:
            f.write("[]\n")
        print(f"credential_process test program: exiting with {a.exit} as asked", file=sys.stderr)
        print('{"Version": 1, "AccessKeyId": "AKIANEVERPRINTED", "SecretAccessKey": "output-never-printed"}')
        return a.exit
    st = json.loads((Path(a.state) / "testenv.json").read_text())
    c = fresh_credentials(st, a.expires_in)
    out = {"Version": 1, "AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
           "SessionToken": c["SessionToken"]}
    if not a.static:
        out["Expiration"] = c["Expiration"]
    with open(a.log, "a", encoding="utf-8") as f:  # the secrets it served, for the no-secrets check
        f.write(json.dumps([c["SecretAccessKey"], c["SessionToken"]]) + "\n")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
