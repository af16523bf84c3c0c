#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is missing, builds the release
# binary, starts a local S3 server over TLS (moto, with IAM enforced and a user holding
# exactly the customer policy from the spec), streams 64 MiB into it with
# `secexport upload`, and shows the object it made.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

state=$(mktemp -d /tmp/secexport-demo.XXXXXX)
trap 'python3 tools/testenv/cli.py stop --state-dir "$state" >/dev/null 2>&1 || true' EXIT
python3 tools/testenv/cli.py start moto --state-dir "$state" >/dev/null

# The customer's side: an IAM user with the least-privilege policy, its keys, the bucket.
eval "$(python3 - "$state/testenv.json" <<'PY'
import json, shlex, sys
st = json.load(open(sys.argv[1]))
u = st["users"]["exporter-user"]
for k, v in {"AWS_ACCESS_KEY_ID": u["access_key_id"], "AWS_SECRET_ACCESS_KEY": u["secret_access_key"],
             "AWS_CA_BUNDLE": st["ca_file"], "AWS_REGION": st["region"], "ENDPOINT": st["endpoint"],
             "BUCKET": st["bucket"]}.items():
    print(f"export {k}={shlex.quote(v)}")
PY
)"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

key="demo/$(date -u +%Y/%m/%d)/stream.bin"
echo "== streaming 64 MiB from a pipe into s3://$BUCKET/$key (endpoint $ENDPOINT)"
head -c $((64 << 20)) /dev/urandom | tee >(sha256sum | sed 's/-$/(sent)/' >&2) |
  build/release/secexport upload --endpoint-url "$ENDPOINT" --part-size 8MiB - "s3://$BUCKET/$key"

echo "== the object, read back with boto3"
python3 - "$state/testenv.json" "$key" <<'PY'
import hashlib, json, sys
sys.path.insert(0, "tools")
from testenv import clients
st, key = json.load(open(sys.argv[1])), sys.argv[2]
s3 = clients.client(st, "s3", "admin")
head = s3.head_object(Bucket=st["bucket"], Key=key)
body = s3.get_object(Bucket=st["bucket"], Key=key)["Body"].read()
print(f"s3://{st['bucket']}/{key}: {head['ContentLength']} bytes, ETag {head['ETag']}")
print(f"{hashlib.sha256(body).hexdigest()}  (received)")
PY
