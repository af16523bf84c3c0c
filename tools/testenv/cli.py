"""Command line: start or stop a test environment, or change its IAM set-up while it runs.

    python3 tools/testenv/cli.py start moto|rgw --state-dir DIR    # prints DIR/testenv.json
    python3 tools/testenv/cli.py stop --state-dir DIR

    # replace an inline policy: the spec policy minus some actions, or a JSON document
    python3 tools/testenv/cli.py policy --state-dir DIR --user exporter-user --without s3:PutObject
    python3 tools/testenv/cli.py policy --state-dir DIR --role customer-role --file policy.json
    python3 tools/testenv/cli.py policy --state-dir DIR --user exporter-user --delete

    # more principals; credentials go into testenv.json ("users", "roles"), never to stdout.
    # create-role also gives USER an inline policy "assume-NAME" allowing sts:AssumeRole on it.
    python3 tools/testenv/cli.py create-user --state-dir DIR NAME [--spec-policy]
    python3 tools/testenv/cli.py create-role --state-dir DIR NAME --trust-user USER
        [--external-id ID] [--spec-policy]                       # prints the role ARN
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `testenv` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testenv import admin, policies, state  # noqa: E402
from testenv.env import KINDS, start, stop  # noqa: E402
from testenv.procs import StartError  # noqa: E402


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="testenv", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="start in the background, return when ready")
    p.add_argument("kind", choices=sorted(KINDS))
    sub.add_parser("stop", help="stop every process started into the state dir")
    p = sub.add_parser("policy", help="replace or delete a user's or role's inline policy")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user")
    who.add_argument("--role")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--without", nargs="+", default=[], metavar="ACTION",
                      help="the spec policy for the state's bucket minus these actions")
    what.add_argument("--file", type=Path, help="a JSON policy document")
    what.add_argument("--delete", action="store_true")
    p = sub.add_parser("create-user", help="a user with an access key")
    p.add_argument("name")
    p.add_argument("--spec-policy", action="store_true")
    p = sub.add_parser("create-role", help="a role trusting one user")
    p.add_argument("name")
    p.add_argument("--trust-user", required=True, help="a user name from the state file")
    p.add_argument("--external-id", help="require this sts:ExternalId (moto only)")
    p.add_argument("--spec-policy", action="store_true")
    for p in sub.choices.values():
        p.add_argument("--state-dir", required=True, type=Path)
    return parser


def _policy(args, st: dict) -> None:
    if args.user:
        put, delete, name = admin.put_user_policy, admin.delete_user_policy, args.user
    else:
        put, delete, name = admin.put_role_policy, admin.delete_role_policy, args.role
    if args.delete:
        delete(st, name)
    elif args.file:
        put(st, name, json.loads(args.file.read_text()))
    else:
        put(st, name, policies.spec_policy(st["bucket"], without=args.without))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "stop":
        stopped = stop(args.state_dir)
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}", file=sys.stderr)
        return 0
    if args.command == "start":
        try:
            st = start(args.kind, args.state_dir)
        except StartError as e:
            print(f"testenv: {e}", file=sys.stderr)
            return 1
        print(f"{args.kind} ready in {st['start_seconds']} s at {st['endpoint']}", file=sys.stderr)
        print(state.path(args.state_dir).resolve())
        return 0

    st = state.load(args.state_dir)
    spec = policies.spec_policy(st["bucket"]) if getattr(args, "spec_policy", False) else None
    if args.command == "policy":
        _policy(args, st)
    elif args.command == "create-user":
        st["users"][args.name] = admin.create_user(st, args.name, spec)
        state.save(args.state_dir, st)
    elif args.command == "create-role":
        trust = policies.trust_policy(st["users"][args.trust_user]["arn"], args.external_id)
        arn = admin.create_role(st, args.name, trust, spec)
        # moto also wants the caller's own policy to allow sts:AssumeRole on the role
        admin.put_user_policy(st, args.trust_user, policies.allow("sts:AssumeRole", arn),
                              name=f"assume-{args.name}")
        st.setdefault("roles", {})[args.name] = {"arn": arn, "external_id": args.external_id}
        state.save(args.state_dir, st)
        print(arn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
