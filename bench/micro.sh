#!/usr/bin/env bash
# The per-stage micro-benchmarks (Google Benchmark), built in release mode: page parsing,
# UTF-8 validation, CSV encoding, SHA-256 and CRC32C over part buffers, SigV4 signing, the
# part-buffer pool. Extra arguments go to the benchmark binary, e.g.
#   bench/micro.sh --benchmark_filter=encode --benchmark_repetitions=3
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target secexport_bench >/dev/null
exec build/release/bench/secexport_bench "$@"
