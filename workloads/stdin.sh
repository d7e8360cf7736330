#!/usr/bin/env bash
# Standard input against a file, side by side: `cat LOG | logcount run -`
# against `logcount run LOG` (its temporary work directory included), with
# `cat LOG | wc -l` as the floor of moving the bytes through a pipe, and the
# same for a gzip stream (`zcat` in the pipe vs logcount's own decoding).
# Prints a table of medians and ratios to the first command of each group.
#
# Usage: workloads/stdin.sh [SIZE] [RUNS]
#   SIZE  generated log size (default 1GiB), in page cache
#   RUNS  runs of each command (default 7)
# Env: BENCH_DIR (default /tmp/logcount-bench). Installs hyperfine when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1GiB}
RUNS=${2:-7}
DIR=${BENCH_DIR:-/tmp/logcount-bench}
mkdir -p "$DIR"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }

cargo build --release --quiet --bin logcount
LC=$PWD/target/release/logcount
LOG=$DIR/stdin-$SIZE.log
[[ -s $LOG ]] || "$LC" gen --size "$SIZE" --seed 42 --out "$LOG"
[[ -s $LOG.gz ]] || gzip -1 -c "$LOG" > "$LOG.gz"
cat "$LOG" "$LOG.gz" > /dev/null # page cache

echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(stat -c %s "$LOG") bytes ($SIZE), $RUNS runs each"
medians() { # the median of each command of a hyperfine JSON export, and its ratio to the first
  python3 - "$1" <<'PY'
import json, statistics, sys
rs = json.load(open(sys.argv[1]))["results"]
base = statistics.median(rs[0]["times"])
print("| command | median | min | max | ratio |\n|---|---:|---:|---:|---:|")
for r in rs:
    m = statistics.median(r["times"])
    print(f"| `{r['command']}` | {m:.3f} s | {min(r['times']):.3f} s | {max(r['times']):.3f} s | {m / base:.2f} |")
PY
}
hyperfine --style basic --warmup 1 --runs "$RUNS" -N --export-json "$DIR/stdin.json" \
  "$LC run $LOG --format json" \
  "bash -c 'cat $LOG | $LC run - --format json'" \
  "bash -c 'cat $LOG | wc -l'" >&2
medians "$DIR/stdin.json"
hyperfine --style basic --warmup 1 --runs "$RUNS" -N --export-json "$DIR/stdin-gz.json" \
  "$LC run $LOG.gz --format json" \
  "bash -c 'cat $LOG.gz | $LC run - --format json'" \
  "bash -c 'zcat $LOG.gz | $LC run - --format json'" >&2
medians "$DIR/stdin-gz.json"
