"""The export a user would script instead of secexport: requests + csv + boto3.

Reads one tenant's day from the event API page by page (cursor pagination, keep-alive,
TLS verified), writes the CSV report with the csv module (same columns and rules as
secexport: UTC milliseconds, developer-ID fallback, minified JSON properties, CRLF), and
streams it into S3 with boto3's managed multipart upload. A baseline for benchmarks.

    python3 python_export.py --source-url URL --token-env SECEXPORT_SOURCE_TOKEN --tenant T \
        --date 2026-11-22 --endpoint-url URL --bucket B --key K [--limit 5000] [--ca CA.pem]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import threading
from datetime import datetime, timedelta, timezone

import boto3
import requests
from botocore.config import Config


def rows(session: requests.Session, base: str, tenant: str, start: str, end: str, limit: int):
    cursor = None
    while True:
        params = {"start": start, "end": end, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        # verify= per request: requests lets REQUESTS_CA_BUNDLE override session.verify
        r = session.get(f"{base}/v1/tenants/{tenant}/security_events", params=params, timeout=120,
                        verify=session.verify)
        r.raise_for_status()
        page = r.json()
        for e in page["events"]:
            t = datetime.fromisoformat(e["created_at"].replace("Z", "+00:00")).astimezone(timezone.utc)
            yield [t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z",
                   e["email_at_time_of_event"],
                   e["current_email"] if e.get("current_email") is not None else e["developer_id"],
                   e["event_name"],
                   e.get("other_account") or "",
                   json.dumps(e["properties"], separators=(",", ":"), ensure_ascii=False),
                   "1"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--source-url", required=True)
    p.add_argument("--token-env", default="SECEXPORT_SOURCE_TOKEN")
    p.add_argument("--tenant", required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--endpoint-url", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--limit", type=int, default=5000)
    p.add_argument("--ca", default=os.environ.get("AWS_CA_BUNDLE"))
    a = p.parse_args()
    day = datetime.fromisoformat(a.date).replace(tzinfo=timezone.utc)
    start, end = day.strftime("%Y-%m-%dT%H:%M:%SZ"), (day + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    session = requests.Session()
    session.verify = a.ca
    session.headers["Authorization"] = "Bearer " + os.environ[a.token_env]
    s3 = boto3.client("s3", endpoint_url=a.endpoint_url, verify=a.ca,
                      config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required"))

    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb")
    upload_error = []

    def upload():
        try:
            s3.upload_fileobj(reader, a.bucket, a.key)
        except Exception as e:  # noqa: BLE001
            upload_error.append(e)

    t = threading.Thread(target=upload)
    t.start()
    n = 0
    with os.fdopen(write_fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["CreatedAt", "EmailAtTimeOfEvent", "CurrentEmail", "EventName", "OtherAccount",
                    "JsonProperties", "Version"])
        for row in rows(session, a.source_url, a.tenant, start, end, a.limit):
            w.writerow(row)
            n += 1
    t.join()
    if upload_error:
        raise upload_error[0]
    print(f"python baseline exported {n} rows")


if __name__ == "__main__":
    main()
