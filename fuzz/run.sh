#!/usr/bin/env bash
# Builds and runs every cargo-fuzz target for a bounded time; exits non-zero
# on any finding (crash, failed assertion, leak, timeout, out-of-memory).
#
# Usage: fuzz/run.sh [seconds per target, default 60] [target ...]
#
# cargo-fuzz needs nightly-only compiler flags (-Zsanitizer, coverage
# instrumentation). Only a stable toolchain is available here, so the build
# runs with RUSTC_BOOTSTRAP=1, which unlocks them on stable. cargo-fuzz itself
# is installed from crates.io when missing.
#
# The committed seed corpus is fuzz/seeds/<target>/ (read only); what the
# fuzzer finds interesting goes to fuzz/corpus/<target>/ and findings to
# fuzz/artifacts/<target>/, both ignored by git.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(cut count plan)
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz from crates.io" >&2
  start=$(date +%s)
  cargo install cargo-fuzz --locked --quiet
  echo "fuzz/run.sh: cargo-fuzz installed in $(( $(date +%s) - start ))s" >&2
fi

# Per-target libFuzzer options: inputs big enough to cross the SIMD kernels'
# 8 KiB chunks for count; small ones suffice for the cutter.
max_len() {
  case "$1" in
    count) echo 20000 ;;
    *) echo 4096 ;;
  esac
}

start=$(date +%s)
mkdir -p artifacts
if ! cargo fuzz build --release --debug-assertions >artifacts/build.log 2>&1; then
  echo "fuzz/run.sh: build failed:" >&2
  tail -n 40 artifacts/build.log >&2
  exit 1
fi
echo "fuzz/run.sh: built in $(( $(date +%s) - start ))s" >&2

status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="artifacts/$t/fuzz.log"
  echo "fuzz/run.sh: fuzzing $t for ${SECONDS_PER_TARGET}s" >&2
  if cargo fuzz run --release --debug-assertions "$t" "$PWD/corpus/$t" "$PWD/seeds/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$t")" \
      -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )|#[0-9]+ *DONE' "$log" | sed "s/^/  $t: /" >&2 || true
  else
    status=1
    echo "fuzz/run.sh: FINDING in $t (log: fuzz/$log):" >&2
    tail -n 60 "$log" >&2
    ls -1 "artifacts/$t" | grep -v '^fuzz.log$' | sed "s|^|  artifact: fuzz/artifacts/$t/|" >&2 || true
  fi
done
exit $status
