#!/usr/bin/env bash
# The fuzz targets (tests/fuzz): libFuzzer with AddressSanitizer + UndefinedBehaviorSanitizer,
# built with clang as a CMake project of its own in build/fuzz. A run first replays every
# input kept in tests/fuzz/regressions/TARGET/ (inputs that once found a defect; each must
# pass), then fuzzes for a bounded time, starting from tests/fuzz/corpus/TARGET/. The
# committed corpus is only read: the fuzzer works on a copy in build/fuzz/work/TARGET/, and
# crashing inputs go to build/fuzz/artifacts/TARGET/.
#
#   tools/fuzz.sh build                      configure (once) and build every target
#   tools/fuzz.sh list                       name the targets
#   tools/fuzz.sh run TARGET [--seconds N]   replay TARGET's regressions, then fuzz N seconds
#   tools/fuzz.sh all [--seconds N]          build, then run every target in turn
#
# N defaults to $SECEXPORT_FUZZ_SECONDS, else 30. Extra libFuzzer flags can be given in
# $SECEXPORT_FUZZ_FLAGS (e.g. "-jobs=4 -workers=4"); SECEXPORT_FUZZ_SKIP_CHECKS=NAME,...
# switches off named invariants of the targets (see tests/fuzz/fuzz_check.hpp).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/fuzz"
fuzz_dir="$root/tests/fuzz"

targets=(page_parser csv_encoder s3_xml sts_xml ini tenant_file endpoint sigv4)
declare -A max_len=([page_parser]=1048576) # bytes; 64 KiB for the others
declare -A dict=([page_parser]=json.dict [s3_xml]=xml.dict [sts_xml]=xml.dict)

# Sanitizers stop at the first report, with stack traces. The caller's settings come last,
# so they win where they overlap (tools/test.sh sets some for the whole test run).
asan_defaults=detect_leaks=1:halt_on_error=1:abort_on_error=1:symbolize=1:detect_stack_use_after_return=1:strict_string_checks=1
export ASAN_OPTIONS="$asan_defaults${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:symbolize=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
if [[ -z "${ASAN_SYMBOLIZER_PATH:-}" ]] && command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi

die() { echo "fuzz: $*" >&2; exit 2; }

is_target() {
  local t
  for t in "${targets[@]}"; do [[ "$t" == "$1" ]] && return 0; done
  return 1
}

build() {
  if [[ ! -f "$build/build.ninja" ]]; then
    CC=clang CXX=clang++ cmake -S "$fuzz_dir" -B "$build" -G Ninja >/dev/null
  fi
  cmake --build "$build" -j "$(nproc)"
}

# The report in a libFuzzer log: from the first line of a sanitizer, check, exception, timeout
# or out-of-memory report on (the whole log's tail when there is none).
excerpt() {
  local pattern='ERROR:|runtime error:|FUZZ CHECK FAILED|terminate called|deadly signal|ALARM:|out-of-memory|Test unit written'
  local first
  first=$(grep -m 1 -nE "$pattern" "$1" | cut -d: -f1) || true
  if [[ -n "$first" ]]; then
    sed -n "$first,\$p" "$1" | head -n 80 || true
  else
    tail -n 40 "$1"
  fi
}

# Replays the kept regression inputs of target $1 one by one; returns 1 if any fails.
replay() {
  local t=$1 bin=$2 dir="$fuzz_dir/regressions/$1" failed=0 f
  [[ -d "$dir" ]] || return 0
  for f in "$dir"/*; do
    [[ -f "$f" ]] || continue
    if ! "$bin" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$1/" "$f" \
      >"$build/work/$t.replay.log" 2>&1; then
      echo "fuzz: $t: regression input ${f#"$root"/} fails again:" >&2
      excerpt "$build/work/$t.replay.log" >&2
      echo "fuzz: reproduce with: $bin $f" >&2
      failed=1
    fi
  done
  return $failed
}

run() {
  local t=$1 seconds=$2
  is_target "$t" || die "unknown target '$t' (tools/fuzz.sh list)"
  local bin="$build/secexport-fuzz-$t"
  [[ -x "$bin" ]] || build
  local work="$build/work/$t" artifacts="$build/artifacts/$t/"
  mkdir -p "$build/work" "$artifacts"

  if ! replay "$t" "$bin"; then
    echo "fuzz: $t: FAILED (a kept regression input fails; fix the code, not the input)" >&2
    return 1
  fi

  # A fresh copy of the committed seeds: new inputs never land in the repository.
  rm -rf "$work"
  mkdir -p "$work"
  cp -R "$fuzz_dir/corpus/$t/." "$work/"
  local flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]:-65536}"
               -artifact_prefix="$artifacts" -print_final_stats=1)
  [[ -n "${dict[$t]:-}" ]] && flags+=(-dict="$fuzz_dir/dict/${dict[$t]}")
  # shellcheck disable=SC2206 # word splitting of the extra flags is intended
  [[ -n "${SECEXPORT_FUZZ_FLAGS:-}" ]] && flags+=($SECEXPORT_FUZZ_FLAGS)

  local log="$build/work/$t.log" status=0
  echo "fuzz: $t: ${seconds}s from $(find "$work" -type f | wc -l) seeds (log: ${log#"$root"/})"
  "$bin" "${flags[@]}" "$work" >"$log" 2>&1 || status=$?
  if ((status == 0)); then
    { grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1
      grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"; } | sed "s/^/fuzz: $t: /" || true
    return 0
  fi
  echo "fuzz: $t: FAILED (libFuzzer exit status $status):" >&2
  excerpt "$log" >&2
  local input
  input=$(grep -oE 'Test unit written to .*' "$log" | tail -n 1 | sed 's/^Test unit written to //') || true
  if [[ -n "$input" ]]; then
    echo "fuzz: the input is saved as $input" >&2
    echo "fuzz: reproduce with: $bin $input" >&2
    echo "fuzz: once the defect is fixed, keep the input as tests/fuzz/regressions/$t/<short-name>" >&2
    echo "fuzz: so every run replays it" >&2
  fi
  return 1
}

cmd=${1:-}
[[ -n "$cmd" ]] || die "usage: tools/fuzz.sh build | list | run TARGET [--seconds N] | all [--seconds N]"
shift
target=
if [[ "$cmd" == run ]]; then
  target=${1:-}
  [[ -n "$target" ]] || die "usage: tools/fuzz.sh run TARGET [--seconds N]"
  shift
fi
seconds=${SECEXPORT_FUZZ_SECONDS:-30}
while (($#)); do
  case "$1" in
  --seconds) seconds=${2:-}; shift 2 || die "--seconds needs a number" ;;
  --seconds=*) seconds=${1#--seconds=}; shift ;;
  *) die "unknown argument '$1'" ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "--seconds wants a positive whole number, not '$seconds'"

case "$cmd" in
build) build ;;
list) printf '%s\n' "${targets[@]}" ;;
run) run "$target" "$seconds" ;;
all)
  build
  failed=()
  for t in "${targets[@]}"; do run "$t" "$seconds" || failed+=("$t"); done
  if ((${#failed[@]})); then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
  fi
  echo "fuzz: all ${#targets[@]} targets ran clean"
  ;;
*) die "unknown command '$cmd' (build, list, run, all)" ;;
esac
