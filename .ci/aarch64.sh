#!/usr/bin/env bash
# Cross-runs the count engine's and the timeline walk's tests on aarch64 under qemu (the
# portable path for other CPUs, aarch64 included; every strategy must give identical counts
# there too, and the walk the timeline of parsing every line).
# It lives in .ci/ (not workloads/, which holds benchmarks and Argo files) because it is a
# CI check: .ci/run calls it after ./test.sh. It also works by hand on a Debian machine:
#   .ci/aarch64.sh
# It runs the library's engine:: unit tests only: the kernels, each strategy, and every
# strategy against the naive oracle (src/engine/strategy_tests.rs). The integration test
# crate (tests/tests.rs, with the S3 test server) is not cross-built.
# It installs what it needs (Debian: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross for the C
# build scripts of aws-lc-sys / zstd-sys and the final link; qemu-user for qemu-aarch64),
# adds the rustup target when missing, builds into target/aarch64 (apart from the main
# build) and runs the test binaries under `qemu-aarch64 -L /usr/aarch64-linux-gnu`.
# On aarch64, Isa::detect() is Portable, so the SIMD tests (which iterate every available
# ISA) run the u64 SWAR kernels. Fails when a test fails or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

TARGET=aarch64-unknown-linux-gnu
SYSROOT=/usr/aarch64-linux-gnu

need=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
[ -e "$SYSROOT/lib/libc.so.6" ] || need+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user)
if [ "${#need[@]}" -gt 0 ]; then
  echo "aarch64.sh: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! rustup target list --installed | grep -qx "$TARGET"; then
  echo "aarch64.sh: rustup target add $TARGET" >&2
  rustup target add "$TARGET"
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $SYSROOT"
export CARGO_TARGET_DIR="${AARCH64_TARGET_DIR:-target/aarch64}"
# No debug info in this separate build: the same optimized code, less to compile and link.
export CARGO_PROFILE_RELEASE_DEBUG=false

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
  echo "aarch64.sh: cargo $*" >&2
  # Test output to the console and to $log, to count what ran.
  cargo "$@" 2>&1 | tee -a "$log"
}

status=0
run test --release --target "$TARGET" -p logcount --lib -- engine:: timeline:: || status=1

# cargo's summary lines: "test result: ok. N passed; M failed; ..."
passed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
portable=$(grep -c '^test engine::simd::.* \.\.\. ok$' "$log" || true)
oracle=$(grep -c '^test engine::strategy_tests::.* \.\.\. ok$' "$log" || true)
walk=$(grep -c '^test timeline::.* \.\.\. ok$' "$log" || true)
echo "aarch64.sh: ran on $TARGET under qemu; $portable engine::simd tests passed on the Portable kernels"
echo "aarch64.sh: $oracle engine::strategy_tests (every strategy against the oracle) passed"
echo "aarch64.sh: $walk timeline tests (the portable walk against parsing every line) passed"
echo "aarch64: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$oracle" -eq 0 ] || [ "$walk" -eq 0 ]; then
  echo "aarch64.sh: FAILED (a test failed, no test ran, or the strategy-vs-oracle or walk tests did not run)" >&2
  exit 1
fi
