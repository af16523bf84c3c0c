"""Changing IAM set-up while an environment runs (auth enforced), as its admin user.

Tests use these to take actions away from the spec policy one at a time, or to make roles with
other trust policies. Policy documents may be dicts or JSON strings.
"""

from __future__ import annotations

from . import policies, rgw_env
from .clients import client
from .state import POLICY_NAME


def _iam(state: dict):
    return client(state, "iam", "admin")


def put_user_policy(state: dict, user: str, policy: dict | str, name: str = POLICY_NAME) -> None:
    """Create or replace the user's inline policy `name`."""
    _iam(state).put_user_policy(UserName=user, PolicyName=name,
                                PolicyDocument=policies.dumps(policy))


def delete_user_policy(state: dict, user: str, name: str = POLICY_NAME) -> None:
    _iam(state).delete_user_policy(UserName=user, PolicyName=name)


def put_role_policy(state: dict, role: str, policy: dict | str, name: str = POLICY_NAME) -> None:
    """Create or replace the role's inline policy `name`."""
    _iam(state).put_role_policy(RoleName=role, PolicyName=name,
                                PolicyDocument=policies.dumps(policy))


def delete_role_policy(state: dict, role: str, name: str = POLICY_NAME) -> None:
    _iam(state).delete_role_policy(RoleName=role, PolicyName=name)


def create_role(state: dict, name: str, trust_policy: dict | str,
                policy: dict | str | None = None) -> str:
    """Create a role (trust policy from policies.trust_policy) and return its ARN."""
    arn = _iam(state).create_role(RoleName=name, Path="/",
                                  AssumeRolePolicyDocument=policies.dumps(trust_policy))["Role"]["Arn"]
    if policy is not None:
        put_role_policy(state, name, policy)
    return arn


def create_user(state: dict, name: str, policy: dict | str | None = None) -> dict:
    """Create a user with an access key; returns {access_key_id, secret_access_key, arn}."""
    if state["kind"] == "rgw":
        user = rgw_env.create_user(state, name)  # rgw's IAM API cannot create users or keys
    else:
        iam = _iam(state)
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        key = iam.create_access_key(UserName=name)["AccessKey"]
        user = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
                "arn": arn}
    if policy is not None:
        put_user_policy(state, name, policy)
    return user
