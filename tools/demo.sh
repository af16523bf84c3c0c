#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is missing, builds the release
# binaries, starts a local S3 server over TLS (moto, IAM enforced, a customer user holding
# exactly the least-privilege policy from the spec) and the local event source, exports
# yesterday (UTC) for a demo tenant with `secexport export`, and shows the report object,
# its manifest and its first rows. Then the integration as customers set it up: a tenant on
# the role-arn method (external ID issued, the printed trust policy applied to the
# customer's role, credentials tested and saved), one on the access-key method, and the
# daily job (`secexport run --all-tenants`) with catch-up, twice. At the end it starts
# `secexport serve` (the settings page and API) on the same tenant store and prints its URL
# and the admin token file; the demo then ends after SECEXPORT_DEMO_SERVE_SECONDS (default
# 300; 0 skips the server) or at Ctrl-C, stopping the server, moto and the event source.
#
#   tools/demo.sh [EVENTS_PER_DAY]      (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}

tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target secexport secexport-source

state=$(mktemp -d /tmp/secexport-demo.XXXXXX)
source_pid= serve_pid=
cleanup() {
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  [[ -n "$source_pid" ]] && kill "$source_pid" 2>/dev/null || true
  python3 tools/testenv/cli.py stop --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
python3 tools/testenv/cli.py start moto --state-dir "$state" >/dev/null

# The customer's side: an IAM user with the least-privilege policy, its keys, the bucket.
eval "$(python3 - "$state/testenv.json" <<'PY'
import json, shlex, sys
st = json.load(open(sys.argv[1]))
u = st["users"]["exporter-user"]
i = st["users"]["exporter-identity"]
for k, v in {"AWS_ACCESS_KEY_ID": u["access_key_id"], "AWS_SECRET_ACCESS_KEY": u["secret_access_key"],
             "AWS_CA_BUNDLE": st["ca_file"], "AWS_REGION": st["region"], "ENDPOINT": st["endpoint"],
             "BUCKET": st["bucket"], "IDENTITY_KEY_ID": i["access_key_id"],
             "IDENTITY_SECRET": i["secret_access_key"], "ROLE_ARN": st["role"]["arn"]}.items():
    print(f"export {k}={shlex.quote(v)}")
PY
)"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# The platform's side: the security-event API, here the local generator over TLS.
export SECEXPORT_SOURCE_TOKEN="demo-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
build/release/tools/event_source/secexport-source serve --events-per-day "$events" \
  --tls-cert "$state/tls/server.pem" --tls-key "$state/tls/server.key" > "$state/source.port" &
source_pid=$!
for _ in $(seq 50); do [[ -s "$state/source.port" ]] && break; sleep 0.1; done
source_url="https://127.0.0.1:$(cat "$state/source.port")"
yesterday=$(date -u -d yesterday +%Y-%m-%d)

echo "== secexport export: tenant demo-tenant, $yesterday (UTC), $events events, into s3://$BUCKET (moto, $ENDPOINT)"
build/release/secexport export --tenant demo-tenant --date "$yesterday" --source-url "$source_url" \
  --bucket "$BUCKET" --prefix exports --endpoint-url "$ENDPOINT"

echo
echo "== what is in the bucket now (read back with boto3 as an administrator)"
python3 - "$state/testenv.json" "$yesterday" <<'PY'
import json, sys
sys.path.insert(0, "tools")
from testenv import clients
st, day = json.load(open(sys.argv[1])), sys.argv[2]
s3 = clients.client(st, "s3", "admin")
for o in s3.list_objects_v2(Bucket=st["bucket"], Prefix="exports/")["Contents"]:
    print(f"  s3://{st['bucket']}/{o['Key']}  {o['Size']:,} bytes")
y, m, d = day.split("-")
key = f"exports/security-events/demo-tenant/{y}/{m}/{d}/security-events_demo-tenant_{day}"
print("\n== the manifest")
print(s3.get_object(Bucket=st["bucket"], Key=key + ".manifest.json")["Body"].read().decode())
print("== the report's first rows")
body = s3.get_object(Bucket=st["bucket"], Key=key + ".csv", Range="bytes=0-1500")["Body"].read().decode(errors="replace")
for line in body.split("\r\n")[:4]:
    print("  " + (line if len(line) < 220 else line[:217] + "..."))
PY

echo
echo "== the integration as customers set it up (tenant settings in $state/tenants)"
export SECEXPORT_TENANTS_DIR="$state/tenants"
# Customers' secret keys are kept encrypted with the operator's store key (docs/SECURITY.md).
(umask 077 && openssl rand -hex 32 > "$state/store.key")
export SECEXPORT_STORE_KEY_FILE="$state/store.key"
customer_key_id=$AWS_ACCESS_KEY_ID customer_secret=$AWS_SECRET_ACCESS_KEY
# From here on the exporter runs as its own identity, which may only assume customers' roles.
export AWS_ACCESS_KEY_ID=$IDENTITY_KEY_ID AWS_SECRET_ACCESS_KEY=$IDENTITY_SECRET
aws=(--endpoint-url "$ENDPOINT" --sts-endpoint-url "$ENDPOINT")

echo "-- secexport tenant external-id acme"
build/release/secexport tenant external-id acme "${aws[@]}" | tee "$state/trust.txt"
# The customer pastes the trust policy into their role (here: moto's admin does it).
python3 - "$state/testenv.json" "$state/trust.txt" <<'PY'
import json, sys
sys.path.insert(0, "tools")
from testenv import clients
st, text = json.load(open(sys.argv[1])), open(sys.argv[2]).read()
clients.client(st, "iam", "admin").update_assume_role_policy(
    RoleName=st["role"]["name"], PolicyDocument=json.dumps(json.loads(text[text.index("{"):])))
PY

echo; echo "-- secexport tenant save acme --method role-arn ... (tests the credentials first)"
build/release/secexport tenant save acme --method role-arn --role-arn "$ROLE_ARN" --bucket "$BUCKET" \
  --prefix daily --source-url "$source_url" "${aws[@]}"
echo; echo "-- secexport tenant save globex --method access-key ..."
SECEXPORT_TENANT_SECRET_ACCESS_KEY=$customer_secret build/release/secexport tenant save globex \
  --method access-key --access-key-id "$customer_key_id" --bucket "$BUCKET" --prefix daily \
  --source-url "$source_url" "${aws[@]}"
echo; build/release/secexport tenant list
echo; echo "-- globex's secret access key as the store holds it (AES-256-GCM under the store key):"
grep '^secret-access-key' "$SECEXPORT_TENANTS_DIR/globex.conf" | cut -c1-40 | sed 's/$/.../'

echo; echo "== secexport run --all-tenants --catch-up-days 2 (every enabled tenant, days without a manifest)"
build/release/secexport --log-level warn run --all-tenants --catch-up-days 2 "${aws[@]}"
echo; echo "== again: every day has its manifest, nothing to do"
build/release/secexport --log-level warn run --all-tenants --catch-up-days 2 "${aws[@]}"

serve_seconds=${SECEXPORT_DEMO_SERVE_SECONDS:-300}
if [[ "$serve_seconds" -gt 0 ]]; then
  echo; echo "== secexport serve: the settings page and API on the same tenant store"
  (umask 077 && openssl rand -hex 32 > "$state/admin.token")
  build/release/secexport --log-level warn serve --listen 127.0.0.1:0 --tls-cert "$state/tls/server.pem" \
    --tls-key "$state/tls/server.key" --admin-token-file "$state/admin.token" "${aws[@]}" > "$state/serve.out" &
  serve_pid=$!
  for _ in $(seq 100); do [[ -s "$state/serve.out" ]] && break; sleep 0.1; done
  url=$(awk '/^serving /{print $2; exit}' "$state/serve.out")
  echo "  URL:              $url   (open #tenant=acme; the certificate is from the demo's CA)"
  echo "  CA certificate:   $state/tls/ca.pem"
  echo "  admin token file: $state/admin.token   (paste its content when the page asks)"
  echo "  API example:      curl --cacert $state/tls/ca.pem -H \"Authorization: Bearer \$(cat $state/admin.token)\" ${url}v1/tenants"
  echo "  The demo ends, stopping the server and the test servers, in $serve_seconds s or at Ctrl-C."
  echo "  (SECEXPORT_DEMO_SERVE_SECONDS=N sets the time; 0 skips this step.)"
  trap 'echo; echo "demo: stopping"; exit 0' INT TERM
  sleep "$serve_seconds" & wait $! || true
fi
