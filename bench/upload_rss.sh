#!/usr/bin/env bash
# Peak RSS of `secexport upload` streaming 2 GB from a pipe into a discarding S3 sink over
# TLS (secexport-sink on loopback), for several --max-memory budgets, measured with /usr/bin/time -v.
# Shows that peak RSS stays under --max-memory plus a fixed overhead.
#
#   bench/upload_rss.sh [BYTES]        (default 2000000000)
set -euo pipefail
cd "$(dirname "$0")/.."
bytes=${1:-2000000000}

tools/install-deps.sh --bench >/dev/null
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
state=$(mktemp -d /tmp/secexport-rss.XXXXXX)
trap 'python3 tools/testenv/cli.py stop --state-dir "$state" >/dev/null 2>&1; rm -rf "$state"' EXIT
python3 tools/testenv/cli.py start sink --state-dir "$state" >/dev/null 2>&1
endpoint=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['endpoint'])" "$state/testenv.json")
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CA_BUNDLE=$state/tls/ca.pem

printf '%-12s %-10s %-12s %-14s %-12s %s\n' max-memory part-size concurrency peak-RSS-MiB over-budget MB/s
for spec in "16MiB 8MiB 8" "64MiB 8MiB 8" "256MiB 8MiB 8" "256MiB 16MiB 16" "1GiB 64MiB 8"; do
  read -r budget part conc <<<"$spec"
  out=$(head -c "$bytes" /dev/zero | /usr/bin/time -v build/release/secexport upload --endpoint-url "$endpoint" \
        --max-memory "$budget" --part-size "$part" --concurrency "$conc" - s3://bench/rss 2>&1)
  rss_kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' <<<"$out")
  rate=$(sed -n 's/.*, \([0-9.]*\) MB\/s,.*/\1/p' <<<"$out")
  python3 - "$budget" "$part" "$conc" "$rss_kib" "$rate" <<'PY'
import sys
units = {"MiB": 1 << 20, "GiB": 1 << 30}
def size(t):
    for u, m in units.items():
        if t.endswith(u):
            return int(t[:-len(u)]) * m
    return int(t)
budget, part, conc, rss_kib, rate = size(sys.argv[1]), size(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
usable = min(budget, (conc + 2) * part)   # the pool never holds more than this
rss = rss_kib * 1024
print(f"{sys.argv[1]:<12} {sys.argv[2]:<10} {conc:<12} {rss / 2**20:<14.1f} {(rss - usable) / 2**20:<+12.1f} {rate}")
PY
done
echo "over-budget = peak RSS - min(--max-memory, (concurrency + 2) x part size): the fixed overhead"
