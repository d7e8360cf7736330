#!/usr/bin/env bash
# Peak memory (RSS) of the count step against the number of counting threads,
# and under an explicit memory budget, on one generated log in page cache.
# Prints one line per measurement (as quoted in README.md and docs/performance.md).
#
# Three read paths: a plain local file (pread, 1 MiB blocks), the same file on a local S3
# server (examples/s3_server.rs; ranged GETs, 4 MiB blocks) and zstd (when `zstd` is installed).
#
# Usage: workloads/memory.sh [SIZE] [THREADS...]
#   SIZE     generated log size (default 1GiB)
#   THREADS  RAYON_NUM_THREADS values to measure (default 2 16 64)
# Env: BENCH_DIR (default /tmp/logcount-bench), MEMORY_BUDGET (default 256m: the
#      `--memory` of the budgeted line, run at the largest thread count).
# Needs GNU time (/usr/bin/time; installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1GiB}
shift || true
THREADS=("$@")
[ ${#THREADS[@]} -gt 0 ] || THREADS=(2 16 64)
DIR=${BENCH_DIR:-/tmp/logcount-bench}
BUDGET=${MEMORY_BUDGET:-256m}
mkdir -p "$DIR"
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release --quiet --bin logcount
LC=$PWD/target/release/logcount
LOG=$DIR/memory-$SIZE.log
[ -s "$LOG" ] || "$LC" gen --size "$SIZE" --seed 42 --out "$LOG"
cat "$LOG" > /dev/null # page cache
"$LC" split --input "$LOG" --work "$DIR/w-mem" --parts 1 > /dev/null
if command -v zstd >/dev/null; then
  [ -s "$LOG.zst" ] || zstd -q -T0 -3 "$LOG" -o "$LOG.zst"
  "$LC" split --input "$LOG.zst" --work "$DIR/w-mem-zst" --parts 1 > /dev/null
fi

# The object-store path (ranged reads, 4 MiB blocks): the same log on a local S3 server
# (examples/s3_server.rs, s3s-fs), put with curl's SigV4.
cargo build --release --quiet --example s3_server
S3_ROOT=$DIR/s3-root
rm -rf "$S3_ROOT" && mkdir -p "$S3_ROOT/bench"
export AWS_ACCESS_KEY_ID=memory-bench AWS_SECRET_ACCESS_KEY=memory-bench-secret AWS_REGION=us-east-1
PORT=${S3_PORT:-19000}
target/release/examples/s3_server "$S3_ROOT" "127.0.0.1:$PORT" 2>/dev/null &
S3_PID=$!
trap 'kill $S3_PID 2>/dev/null || true; rm -rf "$S3_ROOT"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -T "$LOG" "http://127.0.0.1:$PORT/bench/memory.log" >/dev/null
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_ALLOW_HTTP=true
"$LC" split --input s3://bench/memory.log --work s3://bench/w/ --parts 1 > /dev/null

# Peak RSS in MiB of a command, from GNU time's maximum resident set size (KiB).
peak() {
  local out
  out=$( { /usr/bin/time -f 'PEAK_KIB %M' "$@" > /dev/null; } 2>&1 ) || { echo "$out" >&2; return 1; }
  echo "$out" | awk '/^PEAK_KIB/ { printf "%.0f", $2 / 1024 }'
}

echo "# $(date -u +%F), $(nproc) cores, $(uname -m); log $SIZE ($(stat -c %s "$LOG") bytes) in page cache"
echo "# budget: ${LOGCOUNT_MEMORY:-the cgroup limit, else 1G} unless --memory is shown"
for t in "${THREADS[@]}"; do
  echo "count (1 part, plain file)  RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" count --work "$DIR/w-mem" --part-id 0) MiB"
done
for t in "${THREADS[@]}"; do
  echo "run --parts 16 --jobs 16    RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" run --input "$LOG" --work "$DIR/w-mem-run" --parts 16 --jobs 16) MiB"
done
for t in "${THREADS[@]}"; do
  echo "count (1 part, S3 ranged)   RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" count --work s3://bench/w/ --part-id 0) MiB"
done
if [ -s "$LOG.zst" ]; then
  for t in "${THREADS[@]}"; do
    echo "count (1 part, zstd)        RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" count --work "$DIR/w-mem-zst" --part-id 0) MiB"
  done
fi
t=${THREADS[-1]}
echo "count --memory $BUDGET          RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" count --work "$DIR/w-mem" --part-id 0 --memory "$BUDGET") MiB"
echo "count --memory $BUDGET (S3)     RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" count --work s3://bench/w/ --part-id 0 --memory "$BUDGET") MiB"
echo "run --parts 16 --memory $BUDGET RAYON_NUM_THREADS=$t: peak RSS $(RAYON_NUM_THREADS=$t peak "$LC" run --input "$LOG" --work "$DIR/w-mem-run" --parts 16 --jobs 16 --memory "$BUDGET") MiB"
