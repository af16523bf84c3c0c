#!/usr/bin/env bash
# Exports generated days of about 500 MB and at least 5 GB of CSV through TLS (local event
# source -> secexport -> discarding S3 sink, all on loopback) and reports rows/s, MB/s, CPU
# seconds per GiB and peak RSS; the 5 GB day's peak RSS must be within 10% of the 500 MB day's.
#
#   bench/export_bench.sh [SIZES]     default 500MB,5GB
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --bench >/dev/null
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
exec python3 bench/e2e.py memory --sizes "${1:-500MB,5GB}"
