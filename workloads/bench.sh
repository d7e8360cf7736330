#!/usr/bin/env bash
# Side-by-side benchmark of logcount against the floor and the alternatives,
# on the same generated log in page cache. Prints a table of medians and
# ratios (markdown, as in docs/performance.md "## Benchmark").
#
# Usage: workloads/bench.sh [SIZE] [ROUNDS]
#   SIZE    generated log size (default 1GiB); the Python reference runs on
#           SIZE/16 and is scaled x16
#   ROUNDS  rounds of hyperfine over every command (default 5, 2 runs each);
#           rounds alternate the commands so a noisy neighbour hits them all,
#           and the medians are over every run of every round
# Env: BENCH_DIR (default /tmp/logcount-bench), KEYWORDS (default the four),
#   BENCH_BIN   a folder holding prebuilt `logcount` and `floor` (examples/floor.rs)
#               binaries, for a machine without a Rust toolchain (default: cargo build)
#   BENCH_ONLY  an extended regex: run only the commands whose names match
#               (the floors always run)
# The floor and the counts use every core (nproc); `run` splits into
# max(8, nproc) parts. Installs hyperfine and ripgrep with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1GiB}
ROUNDS=${2:-5}
DIR=${BENCH_DIR:-/tmp/logcount-bench}
KW=${KEYWORDS:-INFO,WARN,ERROR,DEBUG}
mkdir -p "$DIR"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
need rg ripgrep

if [[ -n ${BENCH_BIN:-} ]]; then
  LC=$BENCH_BIN/logcount
  FLOOR=$BENCH_BIN/floor
else
  cargo build --release --quiet --bin logcount --example floor
  LC=$PWD/target/release/logcount
  FLOOR=$PWD/target/release/examples/floor
fi
CORES=$(nproc)
PARTS=$(( CORES > 8 ? CORES : 8 ))
LOG=$DIR/bench.log
SMALL=$DIR/small.log
if [[ ! -s $LOG || $(cat "$DIR/size" 2>/dev/null) != "$SIZE" ]]; then
  "$LC" gen --size "$SIZE" --seed 42 --out "$LOG"
  small_bytes=$(( $(stat -c %s "$LOG") / 16 ))
  "$LC" gen --size "$small_bytes" --seed 42 --out "$SMALL"
  # The same size of syslog and NCSA access-log lines, for --by in those formats.
  for style in syslog clf; do
    "$LC" gen --size "$SIZE" --seed 42 --style "$style" --out "$DIR/bench-$style.log"
  done
  echo "$SIZE" > "$DIR/size"
fi
SCALE=$(python3 -c "import os; print(os.path.getsize('$LOG') / os.path.getsize('$SMALL'))")
cat "$LOG" "$SMALL" "$DIR/bench-syslog.log" "$DIR/bench-clf.log" > /dev/null # page cache

# The count step alone: one part over the whole file, split once.
"$LC" split --input "$LOG" --work "$DIR/w-count" --parts 1 --keywords "$KW" > /dev/null
# ... and with the match and timeline options, each chosen at split.
"$LC" split --input "$LOG" --work "$DIR/w-count-hour" --parts 1 --keywords "$KW" --by hour > /dev/null
for style in syslog clf; do
  "$LC" split --input "$DIR/bench-$style.log" --work "$DIR/w-count-$style" --parts 1 --keywords "$KW" > /dev/null
  "$LC" split --input "$DIR/bench-$style.log" --work "$DIR/w-count-$style-hour" --parts 1 --keywords "$KW" --by hour > /dev/null
done
"$LC" split --input "$LOG" --work "$DIR/w-count-ww" --parts 1 --keywords "$KW" --whole-word > /dev/null
"$LC" split --input "$LOG" --work "$DIR/w-count-ic" --parts 1 --keywords "$KW" --ignore-case > /dev/null

rg4="for k in ${KW//,/ }; do rg --count-matches --no-filename -F \$k $LOG; done"
py="python3 -c \"import re,sys; d=open('$SMALL','rb').read(); print({k: len(re.findall(re.escape(k.encode()), d)) for k in '$KW'.split(',')})\""

names=(floor floor-1thread run count count-1core count-1thread count-aho-leftmost count-by-hour count-whole-word count-ignore-case rg-1 rg-4 grep-1 python-small split-materialize gnu-split count-syslog count-syslog-by-hour count-clf count-clf-by-hour)
cmds=(
  "$FLOOR $LOG $CORES"
  "$FLOOR $LOG 1"
  "$LC run --input $LOG --work $DIR/w-run --parts $PARTS --keywords $KW"
  "$LC count --work $DIR/w-count --part-id 0"
  "taskset -c 0 $LC count --work $DIR/w-count --part-id 0"
  "RAYON_NUM_THREADS=1 $LC count --work $DIR/w-count --part-id 0"
  "$LC count --work $DIR/w-count --part-id 0 --strategy aho-leftmost"
  "$LC count --work $DIR/w-count-hour --part-id 0"
  "$LC count --work $DIR/w-count-ww --part-id 0"
  "$LC count --work $DIR/w-count-ic --part-id 0"
  "rg --count-matches -F ERROR $LOG"
  "$rg4"
  "grep -oF ERROR $LOG | wc -l"
  "$py"
  "$LC split --input $LOG --work $DIR/w-split --parts 8 --materialize"
  "split -n l/8 $LOG $DIR/gnu-split/part-"
  "$LC count --work $DIR/w-count-syslog --part-id 0"
  "$LC count --work $DIR/w-count-syslog-hour --part-id 0"
  "$LC count --work $DIR/w-count-clf --part-id 0"
  "$LC count --work $DIR/w-count-clf-hour --part-id 0"
)
# Outputs of the writing commands are removed before each of their runs.
prep=(true true true true true true true true true true true true true true "rm -rf $DIR/w-split" "rm -rf $DIR/gnu-split && mkdir -p $DIR/gnu-split" true true true true)

for r in $(seq 1 "$ROUNDS"); do
  args=()
  for i in "${!cmds[@]}"; do
    [[ ${names[$i]} == floor* || ${names[$i]} =~ ^(${BENCH_ONLY:-.*})$ ]] || continue
    args+=(--prepare "${prep[$i]}" -n "${names[$i]}" "${cmds[$i]}")
  done
  hyperfine --style basic --runs 2 --warmup 0 --export-json "$DIR/round-$r.json" "${args[@]}" >&2
done

python3 - "$DIR" "$ROUNDS" "$SCALE" "$CORES" "$PARTS" <<'EOF'
import json, statistics, sys, os, platform
d, rounds, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cores, parts = int(sys.argv[4]), int(sys.argv[5])
times = {}
for r in range(1, rounds + 1):
    for res in json.load(open(f"{d}/round-{r}.json"))["results"]:
        times.setdefault(res["command"], []).extend(res["times"])
med = {k: statistics.median(v) for k, v in times.items()}
if "python-small" in med:
    med["python-small"] *= scale
label = {
    "floor": f"floor: newline count, {cores} threads, pread 1 MiB blocks (examples/floor.rs)",
    "floor-1thread": "floor: newline count, 1 thread",
    "run": f"`logcount run --parts {parts}` (split + {parts} counts + merge)",
    "count": "count step alone, 1 part, auto strategy",
    "count-1core": "count step alone, one core (`taskset -c 0`)",
    "count-1thread": "count step alone, one counting thread (`RAYON_NUM_THREADS=1`)",
    "count-aho-leftmost": "count step alone, `--strategy aho-leftmost` (LeftmostFirst find_iter)",
    "count-by-hour": "count step alone, `--by hour` (timeline.json)",
    "count-whole-word": "count step alone, `--whole-word`",
    "count-ignore-case": "count step alone, `--ignore-case`",
    "rg-1": "ripgrep `--count-matches`, one keyword",
    "rg-4": "ripgrep `--count-matches`, four runs",
    "grep-1": "GNU `grep -oF ERROR | wc -l`, one keyword",
    "python-small": f"reference Python `re.findall` per keyword (1/{scale:.0f} file, x{scale:.0f})",
    "split-materialize": "`logcount split --parts 8 --materialize`",
    "gnu-split": "GNU `split -n l/8`",
    "count-syslog": "count step alone, syslog lines (`gen --style syslog`)",
    "count-syslog-by-hour": "count step alone, syslog lines, `--by hour`",
    "count-clf": "count step alone, access-log lines (`gen --style clf`)",
    "count-clf-by-hour": "count step alone, access-log lines, `--by hour`",
}
f = med["floor"]
print(f"| approach | median s | x floor |")
print("|---|---:|---:|")
for k in label:
    if k in med:
        print(f"| {label[k]} | {med[k]:.3f} | {med[k] / f:.2f} |")
print()
c = med.get("count")
def ratio(a, b):
    return f"{med[a] / med[b]:.2f}x" if a in med and b in med else "not run"
lines = [
    f"aho-leftmost / count step: {ratio('count-aho-leftmost', 'count')}; "
    f"vs four ripgrep runs: {ratio('rg-4', 'count')}; vs one ripgrep run: {ratio('rg-1', 'count')}",
    f"at {cores} cores: count / floor {ratio('count', 'floor')}, run / floor {ratio('run', 'floor')}; "
    f"at 1 thread: count / floor {ratio('count-1thread', 'floor-1thread')}",
    f"count step, {cores} cores vs 1 core: {ratio('count-1core', 'count')} "
    f"({cores} vs 1 counting threads: {ratio('count-1thread', 'count')}); "
    f"materialize split / GNU split: {ratio('split-materialize', 'gnu-split')}",
    f"--by hour vs the plain count step of the same lines: ISO-8601 {ratio('count-by-hour', 'count')}, "
    f"syslog {ratio('count-syslog-by-hour', 'count-syslog')}, "
    f"access log {ratio('count-clf-by-hour', 'count-clf')}",
    f"options vs the plain count step: --by hour {ratio('count-by-hour', 'count')}, "
    f"--whole-word {ratio('count-whole-word', 'count')}, --ignore-case {ratio('count-ignore-case', 'count')}",
]
print("\n".join(lines))
print(f"runs per command: {len(times['floor'])}; machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
EOF
# Peak memory of the whole pipeline, at SIZE and SIZE/16 (must not grow with input).
for f in "$LOG" "$SMALL"; do
  rm -rf "$DIR/w-rss"
  [[ -x /usr/bin/time ]] || { echo "peak RSS: skipped, /usr/bin/time is not installed"; break; }
  /usr/bin/time -o "$DIR/rss" -f %M "$LC" run --input "$f" --work "$DIR/w-rss" --parts "$PARTS" --keywords "$KW" > /dev/null 2>&1
  kb=$(tail -1 "$DIR/rss")
  echo "peak RSS of logcount run --parts $PARTS on $(( $(stat -c %s "$f") >> 20 )) MiB: $(( kb / 1024 )) MiB"
done
