#!/usr/bin/env bash
# Installs, idempotently, every Debian package that secexport's build, tests, demo and
# benchmarks need. Packages come only from apt-get (see README: "Dependencies"), and the two
# JavaScript pieces from npm, pinned by their package-lock.json files.
#   tools/install-deps.sh            build + test dependencies
#   tools/install-deps.sh --bench    also the benchmark peers and tools (rclone, perf, hyperfine;
#                                    the AWS SDK for JavaScript v3 from npm when npm is present)
set -euo pipefail

packages=(
  # build
  g++ cmake make pkg-config
  ninja-build                 # the generator of CMakePresets.json
  libboost1.81-dev            # Asio + Beast (header-only parts only)
  libssl-dev                  # OpenSSL 3: TLS, SHA-256, HMAC
  libsimdjson-dev             # event pages
  libpugixml-dev              # S3 / STS XML responses
  libcli11-dev                # command line
  zlib1g-dev                  # gzip reports (--compress gzip)
  libzstd-dev                 # zstd reports (--compress zstd)
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # fuzzing: libFuzzer + sanitizer runtimes (tools/fuzz.sh, tests/fuzz; clang 14 on Debian 12)
  clang libclang-rt-14-dev
  llvm-14                     # fuzzing: llvm-symbolizer, for readable sanitizer stack traces
  # integration tests: TLS CA, Ceph radosgw as a strict S3 server
  openssl ca-certificates curl procps
  faketime                    # clock-skew tests (libfaketime)
  zstd                        # the zstd CLI: integration tests decompress .csv.zst reports with it
  nginx-light                 # TLS in front of moto
  radosgw ceph-mon ceph-osd ceph-common
  prometheus                  # promtool: checks the metrics secexport writes (test_operator)
  # deploy tests (tests/deploy): the zsh completion, the man page's lint, the Kubernetes YAML
  # (for /usr/bin/python3 when the machine's python3 lacks PyYAML), the units, the image's libs
  zsh mandoc groff-base man-db python3-yaml systemd git
  # the settings page's browser test: Debian's Chromium, driven by playwright-core (npm)
  chromium nodejs
  fonts-noto-cjk              # the page's Korean labels in the browser test's screenshots
)
# npm: Debian's package, unless a Node.js build that bundles npm is installed already.
command -v npm >/dev/null || packages+=(npm)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(rclone linux-perf hyperfine time valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  # Debian's policy-rc.d convention keeps installed daemons (nginx, ceph) from starting.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || true
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python side of the tests (boto3 reads objects back, moto serves IAM/STS/S3); these come
# with the machine's Python and cannot be fetched from PyPI here, so only check them.
python3 - <<'PY'
import importlib, sys
missing = [m for m in ("boto3", "moto", "werkzeug") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"install-deps: python3 lacks {', '.join(missing)} (expected on this machine image)")
PY

# The settings page's browser test drives the system Chromium with playwright-core from npm,
# pinned by tests/browser/package-lock.json; Playwright never downloads a browser here.
browser_tests="$(dirname "$0")/../tests/browser"
if [[ ! -d "$browser_tests/node_modules/playwright-core" ]]; then
  (cd "$browser_tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The JavaScript peer of the upload benchmark: AWS SDK v3 from npm, pinned by package-lock.json.
if [[ "${1:-}" == "--bench" ]]; then
  js=bench/peers/js
  if command -v npm >/dev/null && [[ ! -d "$js/node_modules" ]]; then
    (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      echo "install-deps: npm ci in $js failed; the JavaScript peer is skipped" >&2
  fi
fi
