"""boto3 clients for a running environment, over HTTPS with the environment's CA."""

from __future__ import annotations

import boto3
from botocore.config import Config


def config(state: dict, **overrides) -> Config:
    options = dict(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"total_max_attempts": 1, "mode": "standard"},  # show the first error
        connect_timeout=10,
        read_timeout=60,
    )
    if state["kind"] == "rgw":
        # radosgw 16 does not understand boto3's default aws-chunked trailing checksums
        options.update(request_checksum_calculation="when_required",
                       response_checksum_validation="when_required")
    options.update(overrides)
    return Config(**options)


def client(state: dict, service: str, user: str | None = "admin", *,
           access_key_id: str | None = None, secret_access_key: str | None = None,
           session_token: str | None = None, plain: bool = False, **config_overrides):
    """A client as `user` (a name in state['users']) or with explicit credentials."""
    if access_key_id is None:
        if user not in state["users"]:
            raise KeyError(f"no user {user!r} in the state file; have {sorted(state['users'])}")
        access_key_id = state["users"][user]["access_key_id"]
        secret_access_key = state["users"][user]["secret_access_key"]
    c = boto3.client(
        service,
        endpoint_url=state["plain_endpoint"] if plain else state["endpoint"],
        region_name=state["region"],
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        verify=False if plain else state["ca_file"],
        config=config(state, **config_overrides),
    )
    c.meta.events.register("before-sign", _drop_expect_header)
    return c


def _drop_expect_header(request, **_) -> None:
    # botocore sends "Expect: 100-continue" with PutObject/UploadPart. When radosgw answers such
    # a request with an error before the body (e.g. 403), botocore withholds the body, keeps
    # the connection, and then misreads the next response on it (a stale 403, then a read
    # timeout). Without Expect the body is sent and radosgw discards it correctly.
    if "Expect" in request.headers:
        del request.headers["Expect"]


def assume_role(state: dict, role_arn: str | None = None, external_id: str | None = "default",
                user: str = "exporter-identity", session_name: str = "secexport-test") -> dict:
    """AssumeRole as `user`; returns boto3-style Credentials (AccessKeyId, ...).

    external_id "default" means the one from the state file (None there for rgw); pass None to
    omit it, or any other string to send that."""
    if external_id == "default":
        external_id = state["role"].get("external_id")
    kwargs = {"RoleArn": role_arn or state["role"]["arn"], "RoleSessionName": session_name}
    if external_id is not None:
        kwargs["ExternalId"] = external_id
    return client(state, "sts", user).assume_role(**kwargs)["Credentials"]


def session_client(state: dict, service: str, credentials: dict, **config_overrides):
    """A client using temporary credentials returned by assume_role()."""
    return client(state, service, None, access_key_id=credentials["AccessKeyId"],
                  secret_access_key=credentials["SecretAccessKey"],
                  session_token=credentials["SessionToken"], **config_overrides)
