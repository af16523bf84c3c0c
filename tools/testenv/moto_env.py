"""moto (IAM, STS, S3) behind nginx TLS, provisioned as the spec's customer account."""

from __future__ import annotations

import os
import secrets
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from . import nginx, policies
from .ca import ensure_certs
from .procs import StartError, free_ports, recorded_pids, spawn, tail, wait_until
from .state import (ADMIN, BUCKET, EXPORTER_IDENTITY, EXPORTER_USER, OTHER_BUCKET, POLICY_NAME,
                    REGION, ROLE)

TOOLS_DIR = Path(__file__).resolve().parent.parent


def _plain_client(endpoint: str, service: str):
    """Client for set-up before auth is enforced: any credentials are accepted then."""
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="setup", aws_secret_access_key="setup",
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


def _user_with_key(iam, name: str, policy: dict) -> dict:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName=POLICY_NAME,
                        PolicyDocument=policies.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
            "arn": arn}


def provision(plain_endpoint: str) -> dict:
    """Buckets, users, role; then switch IAM enforcement on. Returns the state's IAM part."""
    s3 = _plain_client(plain_endpoint, "s3")
    for bucket in (BUCKET, OTHER_BUCKET):
        s3.create_bucket(Bucket=bucket)  # us-east-1: no LocationConstraint
    iam = _plain_client(plain_endpoint, "iam")
    users = {ADMIN: _user_with_key(iam, ADMIN, policies.ADMIN_POLICY),
             EXPORTER_USER: _user_with_key(iam, EXPORTER_USER, policies.spec_policy(BUCKET))}
    account_id = users[ADMIN]["arn"].split(":")[4]
    role_arn = f"arn:aws:iam::{account_id}:role/{ROLE}"
    # moto allows sts:GetCallerIdentity to everyone, so AssumeRole is all this user needs
    users[EXPORTER_IDENTITY] = _user_with_key(
        iam, EXPORTER_IDENTITY, policies.allow(["sts:AssumeRole"], [role_arn]))
    external_id = "secexport-" + secrets.token_hex(12)
    # moto matches the principal ARN exactly (an account's ":root" would not match)
    created = iam.create_role(RoleName=ROLE, Path="/", AssumeRolePolicyDocument=policies.dumps(
        policies.trust_policy(users[EXPORTER_IDENTITY]["arn"], external_id)))["Role"]["Arn"]
    if created != role_arn:
        raise StartError(f"moto named the role {created}, expected {role_arn}")
    iam.put_role_policy(RoleName=ROLE, PolicyName=POLICY_NAME,
                        PolicyDocument=policies.dumps(policies.spec_policy(BUCKET)))

    # From now on every request is authenticated and authorised.
    req = urllib.request.Request(f"{plain_endpoint}/moto-api/reset-auth", data=b"0",
                                 method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 200:
            raise StartError(f"moto reset-auth answered HTTP {resp.status}")
    return {"account_id": account_id, "users": users,
            "role": {"name": ROLE, "arn": role_arn, "external_id": external_id}}


def start(state_dir: Path, timeout: float = 30) -> dict:
    t0 = time.monotonic()
    certs = ensure_certs(state_dir / "tls")
    plain_port, tls_port = free_ports(2)
    plain_endpoint = f"http://127.0.0.1:{plain_port}"
    log = state_dir / "moto" / "moto.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(TOOLS_DIR), os.environ.get("PYTHONPATH")) if p))
    moto = spawn(state_dir, "moto",
                 [sys.executable, "-m", "testenv.moto_app", "-H", "127.0.0.1", "-p",
                  str(plain_port)], log, env=env)

    def answers() -> bool:
        with urllib.request.urlopen(f"{plain_endpoint}/moto-api/data.json", timeout=2):
            return True

    wait_until(f"moto server on {plain_endpoint}", answers, timeout, moto, log)
    nginx.start(state_dir, tls_port, plain_port, certs)
    try:
        iam_state = provision(plain_endpoint)
    except Exception as e:  # boto3 or HTTP errors
        raise StartError(f"provisioning moto failed: {e}\n--- {log} ---\n{tail(log)}") from e
    return {
        "kind": "moto",
        "endpoint": f"https://127.0.0.1:{tls_port}",
        "plain_endpoint": plain_endpoint,
        "ca_file": str(certs.ca),
        "region": REGION,
        "bucket": BUCKET,
        "other_bucket": OTHER_BUCKET,
        **iam_state,
        "pids": recorded_pids(state_dir),
        "start_seconds": round(time.monotonic() - t0, 2),
    }
