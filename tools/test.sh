#!/usr/bin/env bash
# The test command: installs what is missing (Debian packages), builds the debug
# configuration (AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors) and runs
# every test: unit tests and integration tests against moto and Ceph radosgw over TLS,
# which CTest starts and stops itself. Ends with CTest's summary.
#
#   tools/test.sh                 everything
#   tools/test.sh -L unit         only the unit tests (any ctest arguments pass through)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$(nproc)"
# The fuzz targets (clang + libFuzzer, their own build in build/fuzz). CTest's fuzz tests
# (label fuzz) replay each target's kept regression inputs, then fuzz it for
# SECEXPORT_FUZZ_SECONDS seconds (default 30).
tools/fuzz.sh build
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec ctest --preset debug -j 2 --timeout 1200 "$@"
