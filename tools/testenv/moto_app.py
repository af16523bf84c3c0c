"""moto_server with SigV4 verification against the raw request URI.

Run as `python3 -m testenv.moto_app -H 127.0.0.1 -p PORT` (tools/ on PYTHONPATH), so that the
PID is the server's own.

Stock moto 5.2.1 verifies signatures with the path and query of `request.url`, which Werkzeug
has decoded and re-encoded in its own way; the canonical request then differs from the one the
client signed whenever a key holds characters such as ``! $ & ' ( ) * + , : ; = @``, a space or
non-ASCII, or a query value holds ``/`` (``prefix=dir/``). A correct client signs exactly the
URI it sends, so this module makes moto's authenticator start from the request target as
received (Werkzeug's ``RAW_URI``/``REQUEST_URI`` in the WSGI environ) and canonicalise it the way
AWS and radosgw do: every path segment and query key/value percent-decoded, then encoded again
with only ``A-Za-z0-9-_.~`` left as is. So a request is accepted exactly when its signature covers
the canonical form, however the client encoded the URI on the wire (``prefix=dir/`` sent raw but
signed as ``prefix=dir%2F`` passes; signed as ``prefix=dir/`` fails, as on AWS). It also
answers AssumeRoleWithWebIdentity and AssumeRoleWithSAML unsigned, as AWS does (moto does not
check the token: tools/testenv/credential_stubs.py has an STS that records it). Nothing in
site-packages changes.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes, urlsplit

import moto
from moto import settings
from moto.core import authorization, responses
from moto.core.authorization import ActionAuthenticatorMixin

if not moto.__version__.startswith("5."):  # the patched method's body is moto 5's
    raise ImportError(f"testenv.moto_app is written for moto 5.x, found {moto.__version__}")

_setup_class = responses.BaseResponse.setup_class


def _setup_class_keeping_raw_uri(self, request, full_url, headers, *args, **kwargs):
    _setup_class(self, request, full_url, headers, *args, **kwargs)
    environ = getattr(request, "environ", None) or {}
    self._raw_request_target = environ.get("RAW_URI") or environ.get("REQUEST_URI")


def _aws_encode(component: str) -> str:
    return quote(unquote_to_bytes(component), safe="-_.~")


def _signed_path(self) -> str:
    """Canonical path and query of the request as the client sent it."""
    raw = getattr(self, "_raw_request_target", None)
    parts = urlsplit(raw if raw else self.uri)  # urlsplit keeps ';' inside the path
    path = "/".join(_aws_encode(seg) for seg in parts.path.split("/"))
    if not path.startswith("/"):
        path = "/" + path
    if not parts.query:
        return path
    pairs = (p.partition("=") for p in parts.query.split("&") if p)
    # botocore sorts these pairs when it builds the canonical request
    return path + "?" + "&".join(f"{_aws_encode(k)}={_aws_encode(v)}" for k, _, v in pairs)


# STS actions that AWS answers without a signature: the token (or assertion) in the request
# is the proof. Stock moto demands a signature for them once IAM is enforced.
UNSIGNED_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}


def _authenticate_and_authorize_action(self, iam_request_cls: type, resource: str = "*") -> None:
    # Same as moto 5.2.1's ActionAuthenticatorMixin._authenticate_and_authorize_action,
    # except for the path handed to the signature check and the unsigned STS actions.
    if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
        if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            return
        if self._get_action() in UNSIGNED_ACTIONS and "Authorization" not in self.headers:
            return
        iam_request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=_signed_path(self),
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=self._get_action(),
        )
        iam_request.check_signature()
        iam_request.check_action_permitted(resource)
    else:
        ActionAuthenticatorMixin.request_count += 1


def apply() -> None:
    responses.BaseResponse.setup_class = _setup_class_keeping_raw_uri
    authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = (
        _authenticate_and_authorize_action)


def main(argv: list[str] | None = None) -> None:
    apply()
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main()
