"""Start moto and radosgw, check over HTTPS that they behave as the tests expect, stop them.

    python3 tools/testenv/selftest.py [moto] [rgw]

Exit status 0 when every check passed. Prints each server's start time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from botocore.exceptions import ClientError  # noqa: E402

from testenv import StartError, admin, clients, policies, running  # noqa: E402

BODY = b"x,y\r\n"
ODD_KEY = "a b+c=d&e$f@g:h/ü/x.csv"
KEYS = (ODD_KEY, "dir/!$&'()*+,;=@:~ x.csv", "dir/plain.csv")
DIR_KEYS = sorted(k for k in KEYS if k.startswith("dir/"))


class Checker:
    def __init__(self):
        self.failures: list[str] = []

    def _fail(self, what: str, why: str) -> None:
        self.failures.append(f"{what}: {why}")
        print(f"  FAIL {what}: {why}")

    def ok(self, what: str, fn):
        """fn() must succeed; returns its result (None on failure)."""
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001
            self._fail(what, str(e))
            return None
        print(f"  ok   {what}")
        return result

    def equal(self, what: str, fn, expected) -> None:
        try:
            got = fn()
        except Exception as e:  # noqa: BLE001
            return self._fail(what, str(e))
        if got != expected:
            return self._fail(what, f"got {got!r}, expected {expected!r}")
        print(f"  ok   {what}")

    def denied(self, what: str, fn, codes=("AccessDenied",)) -> None:
        """fn() must fail with one of these S3/IAM/STS error codes."""
        try:
            fn()
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code")
            if code in codes:
                print(f"  ok   {what}: {code}")
            else:
                self._fail(what, f"expected {'/'.join(codes)}, got {code}")
            return
        self._fail(what, f"expected {'/'.join(codes)}, but it succeeded")


def keys_under(s3, bucket: str, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in
                  s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


def object_round_trip(c: Checker, st: dict, s3, who: str) -> None:
    bucket, admin_s3 = st["bucket"], clients.client(st, "s3", "admin")
    for key in KEYS:
        c.ok(f"{who}: PutObject {key!r}", lambda: s3.put_object(Bucket=bucket, Key=key, Body=BODY))
        c.equal(f"{who}: GetObject {key!r}",
                lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read(), BODY)
    c.equal(f"admin reads back what {who} wrote",
            lambda: admin_s3.get_object(Bucket=bucket, Key=ODD_KEY)["Body"].read(), BODY)
    c.equal(f"{who}: ListObjectsV2 Prefix='dir/'", lambda: keys_under(s3, bucket, "dir/"), DIR_KEYS)
    c.equal(f"{who}: ListObjectsV2 Prefix=odd key", lambda: keys_under(s3, bucket, ODD_KEY),
            [ODD_KEY])
    c.ok(f"{who}: GetBucketLocation", lambda: s3.get_bucket_location(Bucket=bucket))
    for key in KEYS:
        c.ok(f"{who}: DeleteObject {key!r}", lambda: s3.delete_object(Bucket=bucket, Key=key))
    c.equal(f"{who}: objects gone", lambda: keys_under(s3, bucket, ""), [])


def denials(c: Checker, st: dict, s3, who: str) -> None:
    other = st["other_bucket"]
    c.denied(f"{who}: CreateBucket", lambda: s3.create_bucket(Bucket="secexport-not-allowed"))
    c.denied(f"{who}: PutObject into {other}",
             lambda: s3.put_object(Bucket=other, Key="x", Body=b"x"))
    c.denied(f"{who}: ListObjectsV2 of {other}", lambda: s3.list_objects_v2(Bucket=other))


def wrong_secret(c: Checker, st: dict, codes) -> None:
    user = st["users"]["exporter-user"]
    bad = clients.client(st, "s3", None, access_key_id=user["access_key_id"],
                         secret_access_key="0" * 40)
    c.denied("wrong secret rejected", lambda: bad.list_objects_v2(Bucket=st["bucket"]), codes)


def multipart(c: Checker, st: dict, s3, who: str) -> None:
    bucket, key = st["bucket"], "mp/object.csv"
    first = b"p" * (5 << 20)  # every part but the last must have at least 5 MiB

    def upload() -> int:
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        parts = [{"PartNumber": n, "ETag": s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body)["ETag"]}
            for n, body in ((1, first), (2, b"tail"))]
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": parts})
        return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]

    c.equal(f"{who}: multipart create/upload-part/complete", upload, len(first) + 4)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    c.denied(f"{who}: AbortMultipartUpload",
             lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id))
    clients.client(st, "s3", "admin").abort_multipart_upload(Bucket=bucket, Key=key,
                                                            UploadId=upload_id)
    s3.delete_object(Bucket=bucket, Key=key)


def role_session(c: Checker, st: dict) -> None:
    bucket, key = st["bucket"], "role/x.csv"
    with_id = " with the external ID" if st["role"]["external_id"] else ""
    creds = c.ok(f"AssumeRole {st['role']['name']}{with_id}", lambda: clients.assume_role(st))
    if creds is None:
        return
    s3 = clients.session_client(st, "s3", creds)
    c.ok("role session: PutObject", lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"r"))
    c.equal("role session: GetObject",
            lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read(), b"r")
    c.equal("admin reads back what the role session wrote", lambda: clients.client(
        st, "s3", "admin").get_object(Bucket=bucket, Key=key)["Body"].read(), b"r")
    c.denied("role session: PutObject into other bucket",
             lambda: s3.put_object(Bucket=st["other_bucket"], Key="x", Body=b"x"))
    bad = clients.session_client(st, "s3", {**creds, "SecretAccessKey": "0" * 40})
    c.denied("role session: wrong secret rejected",
             lambda: bad.list_objects_v2(Bucket=bucket), ("SignatureDoesNotMatch",))
    c.ok("role session: DeleteObject", lambda: s3.delete_object(Bucket=bucket, Key=key))


def admin_helpers(c: Checker, st: dict, s3) -> None:
    """The admin functions work while auth is enforced, and policy changes take effect."""
    bucket = st["bucket"]
    c.ok("admin: exporter-user policy without s3:PutObject", lambda: admin.put_user_policy(
        st, "exporter-user", policies.spec_policy(bucket, without=["s3:PutObject"])))
    c.denied("exporter-user: PutObject without s3:PutObject",
             lambda: s3.put_object(Bucket=bucket, Key="x", Body=b"x"))
    c.ok("admin: spec policy restored",
         lambda: admin.put_user_policy(st, "exporter-user", policies.spec_policy(bucket)))
    c.ok("exporter-user: PutObject again",
         lambda: s3.put_object(Bucket=bucket, Key="x", Body=b"x"))
    s3.delete_object(Bucket=bucket, Key="x")

    extra = c.ok("admin: create_user with the spec policy", lambda: admin.create_user(
        st, "extra-user", policies.spec_policy(bucket)))
    if not extra:
        return
    keys = {"access_key_id": extra["access_key_id"],
            "secret_access_key": extra["secret_access_key"]}
    c.ok("extra-user: ListObjectsV2",
         lambda: clients.client(st, "s3", None, **keys).list_objects_v2(Bucket=bucket))
    arn = c.ok("admin: create_role trusting extra-user (no external ID)", lambda: admin.create_role(
        st, "extra-role", policies.trust_policy(extra["arn"]), policies.spec_policy(bucket)))
    admin.put_user_policy(st, "extra-user", policies.allow("sts:AssumeRole", arn))
    c.ok("extra-user: AssumeRole extra-role", lambda: clients.client(st, "sts", None, **keys)
         .assume_role(RoleArn=arn, RoleSessionName="extra-session"))


def check_moto(st: dict) -> list[str]:
    c = Checker()
    s3 = clients.client(st, "s3", "exporter-user")
    object_round_trip(c, st, s3, "exporter-user")
    denials(c, st, s3, "exporter-user")
    multipart(c, st, s3, "exporter-user")
    wrong_secret(c, st, ("SignatureDoesNotMatch",))
    role_session(c, st)
    c.denied("AssumeRole with a wrong external ID",
             lambda: clients.assume_role(st, external_id="wrong-" + st["role"]["external_id"]))
    c.denied("AssumeRole as exporter-user (not trusted)",
             lambda: clients.assume_role(st, user="exporter-user"))
    admin_helpers(c, st, s3)
    return c.failures


def check_rgw(st: dict) -> list[str]:
    c = Checker()
    s3 = clients.client(st, "s3", "exporter-user")
    object_round_trip(c, st, s3, "exporter-user")
    denials(c, st, s3, "exporter-user")
    multipart(c, st, s3, "exporter-user")
    # with STS enabled radosgw answers a wrong secret with AccessDenied
    wrong_secret(c, st, ("AccessDenied", "SignatureDoesNotMatch"))
    role_session(c, st)
    admin_helpers(c, st, s3)
    return c.failures


CHECKS = {"moto": check_moto, "rgw": check_rgw}


def main(argv: list[str]) -> int:
    kinds = argv or list(CHECKS)
    results = {}
    with tempfile.TemporaryDirectory(prefix="testenv-selftest-") as tmp:
        for kind in kinds:
            print(f"== {kind}")
            t0 = time.monotonic()
            try:
                with running(kind, Path(tmp) / kind) as st:
                    started = time.monotonic() - t0
                    print(f"  started in {started:.2f} s at {st['endpoint']}")
                    failures = CHECKS[kind](st)
            except StartError as e:
                started, failures = float("nan"), [f"start failed: {e}"]
                print(f"  FAIL {failures[0]}")
            results[kind] = (started, time.monotonic() - t0, failures)
    print("== summary")
    for kind, (started, total, failures) in results.items():
        verdict = f"{len(failures)} FAILED" if failures else "passed"
        print(f"  {kind}: start {started:.2f} s, start+checks+stop {total:.2f} s, {verdict}")
        for f in failures:
            print(f"    - {f.splitlines()[0]}")
    return 1 if any(r[2] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
