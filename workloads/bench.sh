#!/usr/bin/env bash
# Side-by-side benchmark of logcount against the floor and the alternatives,
# on the same generated log in page cache. Prints a table of medians and
# ratios (markdown, as in README.md "## Performance").
#
# Usage: workloads/bench.sh [SIZE] [ROUNDS]
#   SIZE    generated log size (default 1GiB); the Python reference runs on
#           SIZE/16 and is scaled x16
#   ROUNDS  rounds of hyperfine over every command (default 5, 2 runs each);
#           rounds alternate the commands so a noisy neighbour hits them all,
#           and the medians are over every run of every round
# Env: BENCH_DIR (default /tmp/logcount-bench), KEYWORDS (default the four).
# Installs hyperfine and ripgrep with apt-get when missing.
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

cargo build --release --quiet --bin logcount --example floor
LC=$PWD/target/release/logcount
FLOOR=$PWD/target/release/examples/floor
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

names=(floor run count count-1core count-1thread count-aho-leftmost count-by-hour count-whole-word count-ignore-case rg-1 rg-4 grep-1 python-small split-materialize gnu-split count-syslog count-syslog-by-hour count-clf count-clf-by-hour)
cmds=(
  "$FLOOR $LOG 2"
  "$LC run --input $LOG --work $DIR/w-run --parts 8 --keywords $KW"
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
prep=(true true true true true true true true true true true true true "rm -rf $DIR/w-split" "rm -rf $DIR/gnu-split && mkdir -p $DIR/gnu-split" true true true true)

for r in $(seq 1 "$ROUNDS"); do
  args=()
  for i in "${!cmds[@]}"; do
    args+=(--prepare "${prep[$i]}" -n "${names[$i]}" "${cmds[$i]}")
  done
  hyperfine --style basic --runs 2 --warmup 0 --export-json "$DIR/round-$r.json" "${args[@]}" >&2
done

python3 - "$DIR" "$ROUNDS" "$SCALE" <<'EOF'
import json, statistics, sys, os, platform
d, rounds, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
times = {}
for r in range(1, rounds + 1):
    for res in json.load(open(f"{d}/round-{r}.json"))["results"]:
        times.setdefault(res["command"], []).extend(res["times"])
med = {k: statistics.median(v) for k, v in times.items()}
med["python-small"] *= scale
label = {
    "floor": "floor: newline count, 2 threads, pread 1 MiB blocks (examples/floor.rs)",
    "run": "`logcount run --parts 8` (split + 8 counts + merge)",
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
c = med["count"]
print(f"count step vs aho-leftmost: {med['count-aho-leftmost'] / c:.1f}x faster; "
      f"vs four ripgrep runs: {med['rg-4'] / c:.1f}x; vs one ripgrep run: {med['rg-1'] / c:.1f}x")
print(f"count step, 2 cores vs 1 core: {med['count-1core'] / c:.2f}x (2 vs 1 counting threads: {med['count-1thread'] / c:.2f}x); run / floor: {med['run'] / f:.2f}x; "
      f"materialize split / GNU split: {med['split-materialize'] / med['gnu-split']:.2f}x")
print(f"--by hour vs the plain count step of the same lines: ISO-8601 {med['count-by-hour'] / c:.2f}x, "
      f"syslog {med['count-syslog-by-hour'] / med['count-syslog']:.2f}x, "
      f"access log {med['count-clf-by-hour'] / med['count-clf']:.2f}x")
print(f"options vs the plain count step: --by hour {med['count-by-hour'] / c:.2f}x, "
      f"--whole-word {med['count-whole-word'] / c:.2f}x, --ignore-case {med['count-ignore-case'] / c:.2f}x")
print(f"runs per command: {len(times['floor'])}; machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
EOF
# Peak memory of the whole pipeline, at SIZE and SIZE/16 (must not grow with input).
for f in "$LOG" "$SMALL"; do
  rm -rf "$DIR/w-rss"
  /usr/bin/time -o "$DIR/rss" -f %M "$LC" run --input "$f" --work "$DIR/w-rss" --parts 8 --keywords "$KW" > /dev/null 2>&1
  kb=$(tail -1 "$DIR/rss")
  echo "peak RSS of logcount run --parts 8 on $(( $(stat -c %s "$f") >> 20 )) MiB: $(( kb / 1024 )) MiB"
done
