"""IAM policy documents: the spec's least-privilege policy, trust policies, admin."""

from __future__ import annotations

import json

BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
SPEC_ACTIONS = BUCKET_ACTIONS + OBJECT_ACTIONS


def spec_policy(bucket: str, without: tuple[str, ...] | list[str] = ()) -> dict:
    """The policy customers attach (spec README), optionally minus some actions."""
    unknown = set(without) - set(SPEC_ACTIONS)
    if unknown:
        raise ValueError(f"not in the spec policy: {sorted(unknown)}")
    statements = []
    for actions, resource in ((BUCKET_ACTIONS, f"arn:aws:s3:::{bucket}"),
                              (OBJECT_ACTIONS, f"arn:aws:s3:::{bucket}/*")):
        kept = [a for a in actions if a not in without]
        if kept:
            statements.append({"Effect": "Allow", "Action": kept, "Resource": resource})
    if not statements:
        raise ValueError("no action left; delete the policy instead")
    return {"Version": "2012-10-17", "Statement": statements}


def allow(actions: list[str] | str, resources: list[str] | str) -> dict:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]}


ADMIN_POLICY = allow("*", "*")


def trust_policy(principal_arn: str, external_id: str | None = None) -> dict:
    """Who may call sts:AssumeRole on a role; optionally require an external ID."""
    statement: dict = {"Effect": "Allow", "Principal": {"AWS": [principal_arn]},
                       "Action": ["sts:AssumeRole"]}
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def dumps(policy: dict | str) -> str:
    """Compact JSON: radosgw's IAM API rejects documents with spaces (MalformedPolicyDocument)."""
    return policy if isinstance(policy, str) else json.dumps(policy, separators=(",", ":"))
