#!/usr/bin/env bash
# Side-by-side benchmark of word-frequency mode (`--mode words`), on two inputs, in page cache.
# Prints a markdown report: medians, MB/s, ratios, peak RSS of every step, where the time goes.
#
# 1. A generated log of SIZE (`logcount gen`; millions of distinct words, since timestamps are
#    words): `logcount run --mode words --top 10` with the default reducers, `--reducers 4`
#    and `--memory 128MiB`, against the classic `tr | sort | uniq -c | sort -rn | head`, in one
#    hyperfine run. Then each step binary alone (split, count per part, reduce per reducer,
#    merge) under GNU time, for the peak RSS and wall time of every step, also with
#    `--memory 128MiB` given to count. Checks that logcount's top 10 and its whole vocabulary
#    (words/*.tsv) agree with the pipeline's `uniq -c`.
# 2. A KJV-like text of ~43 MB, the input of Ben Hoyt's countwords benchmark (kjvbible.txt x10;
#    workloads/countwords/gen_kjv.py writes a stand-in with exactly its word counts, see there):
#    `logcount run --mode words --top 100000` (every word) against countwords' optimized C
#    (built with cc -O2), optimized Rust (when it builds) and optimized Python, each output
#    checked against the expected counts.
#
# Usage: workloads/words.sh [SIZE] [RUNS]
#   SIZE  generated log size (default 1GiB)
#   RUNS  hyperfine runs of each command on the generated log (default 3, no warm-up: the log
#         is read once into page cache first)
# At 1GiB on 2 cores this takes about a quarter of an hour, most of it in the pipeline, and
# needs a few GB in TMPDIR (the pipeline's and logcount's full outputs for the check).
# Env: LOGCOUNT (a logcount binary to measure instead of building target/release/logcount),
#      KJV_RUNS (default 10, after 1 warm-up), PARTS (--parts of the step-by-step runs,
#      default the number of cores, as `run` does), WORDS_MEMORY (default 128MiB), TMPDIR
#      (where the temporary directory goes: the log, work dirs, sort's spills; removed at exit).
# Installs hyperfine (and GNU time) with apt-get when missing. Needs cc and python3.
# Everything runs with LC_ALL=C, so sort compares bytes whatever the caller's locale.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1GiB}
RUNS=${2:-3}
KJV_RUNS=${KJV_RUNS:-10}
PARTS=${PARTS:-$(nproc)}
MEM=${WORDS_MEMORY:-128MiB}
export LC_ALL=C

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
for tool in cc python3; do command -v "$tool" >/dev/null || { echo "words.sh: needs $tool" >&2; exit 1; }; done

# The logcount under test: built here, or LOGCOUNT=path (no build); copied into the temp dir
# so that a rebuild while the benchmark runs does not change it halfway.
if [ -n "${LOGCOUNT:-}" ]; then
  BIN=$(realpath "$LOGCOUNT")
else
  cargo build --release --quiet -p logcount-cli
  BIN=$PWD/target/release/logcount
fi
CW=$PWD/workloads/countwords
# countwords' optimized Rust: its own workspace (fxhash from crates.io); optional.
RS=$PWD/target/countwords/release/countwords
cargo build --release --quiet --manifest-path "$CW/rust-optimized/Cargo.toml" \
  --target-dir "$PWD/target/countwords" || { echo "words.sh: countwords' Rust did not build; its row is left out" >&2; RS=; }

T=$(mktemp -d "${TMPDIR:-/tmp}/logcount-words.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp "$BIN" "$T/logcount"
LC=$T/logcount
cc -O2 -o "$T/optimized-c" "$CW/optimized.c"
LOG=$T/words.log
KJV=$T/kjvbible_x10.txt
"$LC" gen --size "$SIZE" --seed 42 --out "$LOG"
python3 "$CW/gen_kjv.py" "$KJV" 10 --expected "$T/kjv-expected.txt"
cat "$LOG" "$KJV" > /dev/null # page cache
echo "words.sh: $(stat -c %s "$LOG") bytes of log, $(stat -c %s "$KJV") bytes of KJV-like text in $T" >&2

# ---- 1. The generated log, in one hyperfine run ----------------------------------------
pipeline="LC_ALL=C tr -s '[:space:]' '\\n' < $LOG | tr A-Z a-z | sort | uniq -c | sort -rn | head"
names=(run run-r4 run-mem pipeline)
extra=("" " --reducers 4" " --memory $MEM")
run_cmd() { echo "$LC run $LOG --work $1 --mode words --top 10$2"; }
cmds=(
  "$(run_cmd "$T/w-run" "${extra[0]}")"
  "$(run_cmd "$T/w-run" "${extra[1]}")"
  "$(run_cmd "$T/w-run" "${extra[2]}")"
  "$pipeline"
)
prep=("rm -rf $T/w-run" "rm -rf $T/w-run" "rm -rf $T/w-run" true)
args=()
for i in "${!cmds[@]}"; do
  args+=(--prepare "${prep[$i]}" -n "${names[$i]}" "${cmds[$i]}")
  printf '%s\t%s\n' "${names[$i]}" "${cmds[$i]}" >> "$T/cmds.tsv"
done
hyperfine --style basic --runs "$RUNS" --warmup 0 --export-json "$T/log.json" "${args[@]}" >&2

# Each run once more under GNU time: its peak RSS, the per-step summary (--stats) and the
# debug log (spills per part). The default one keeps its work dir for the agreement check.
for i in 0 1 2; do
  n=${names[$i]}
  rm -rf "$T/w-$n"
  LOGCOUNT_LOG=debug /usr/bin/time -o "$T/rss-$n" -f '%e %M' \
    sh -c "$(run_cmd "$T/w-$n" "${extra[$i]}") --stats $T/stats-$n.json" \
    > "$T/top-$n.txt" 2> "$T/log-$n.txt" || { tail "$T/log-$n.txt" >&2; exit 1; }
  [ "$n" = run ] || rm -rf "$T/w-$n"
done

# Agreement: the pipeline's full `uniq -c` against logcount's top 10 and its vocabulary.
# (Under GNU time: the peak RSS of its largest process, for the table.)
/usr/bin/time -o "$T/rss-pipeline" -f '%e %M' \
  sh -c "tr -s '[:space:]' '\\n' < $LOG | tr A-Z a-z | sort | uniq -c > $T/uniq.txt"
sort -k1,1nr -k2,2 "$T/uniq.txt" | awk 'NR <= 10 { print $2, $1 }' > "$T/pipeline-top.txt" # no head: pipefail
if cmp -s "$T/pipeline-top.txt" "$T/top-run.txt"; then top_ok=yes; else top_ok=NO; fi
awk '{ print $2 "\t" $1 }' "$T/uniq.txt" | sort > "$T/pipeline-all.tsv"
cat "$T"/w-run/words/*.tsv | sort > "$T/logcount-all.tsv"
if cmp -s "$T/pipeline-all.tsv" "$T/logcount-all.tsv"; then all_ok=yes; else all_ok=NO; fi
distinct=$(wc -l < "$T/pipeline-all.tsv")
for n in run-r4 run-mem; do
  cmp -s "$T/top-$n.txt" "$T/top-run.txt" || top_ok="$top_ok (but $n's top 10 differs)"
done

# Every step binary alone, one after the other: "kind seconds peak-KiB" lines per config.
steps() { # NAME [split args] -- [count args]
  local name=$1 w=$T/w-steps split_args=() count_args=() out=$T/steps-$1.txt
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do split_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  count_args=("$@")
  rm -rf "$w"
  : > "$out"
  step() { # KIND CMD...
    local kind=$1
    shift
    /usr/bin/time -o "$T/t" -f '%e %M' "$@" > "$T/step-out" 2> "$T/step-err" \
      || { cat "$T/step-err" >&2; return 1; }
    echo "$kind $(tail -1 "$T/t")" >> "$out"
  }
  ids() { python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)))' < "$T/step-out"; }
  step split "$LC" split --input "$LOG" --work "$w" --mode words --parts "$PARTS" ${split_args[@]+"${split_args[@]}"}
  local parts reducers
  parts=$(ids)
  for p in $parts; do
    step count "$LC" count --work "$w" --part-id "$p" ${count_args[@]+"${count_args[@]}"}
  done
  "$LC" reduce --work "$w" --list > "$T/step-out"
  reducers=$(ids)
  for r in $reducers; do
    step reduce "$LC" reduce --work "$w" --reducer-id "$r" --top 10
  done
  step merge "$LC" merge --work "$w" --top 10
  rm -rf "$w"
}
steps default
steps reducers4 --reducers 4
steps memory --  --memory "$MEM"
printf '%s\t%s\n' steps-default "split --input $LOG --work W --mode words --parts $PARTS; count --work W --part-id i; reduce --work W --reducer-id r --top 10; merge --work W --top 10" >> "$T/cmds.tsv"

# ---- 2. The KJV-like text, countwords' programs -----------------------------------------
knames=(logcount logcount-stdin optimized-c optimized-rust optimized-python)
kcmds=(
  "$LC run $KJV --mode words --top 100000"
  "$LC run --mode words --top 100000 < $KJV"
  "$T/optimized-c < $KJV"
  "$RS < $KJV"
  "python3 $CW/optimized.py < $KJV"
)
kargs=()
kjv_ok=""
for i in "${!kcmds[@]}"; do
  [ "${knames[$i]}" = optimized-rust ] && [ -z "$RS" ] && continue
  kargs+=(-n "${knames[$i]}" "${kcmds[$i]}")
  printf '%s\t%s\n' "${knames[$i]}" "${kcmds[$i]}" >> "$T/cmds.tsv"
  # Same counts as countwords' expected output (its normalize.py order: ties by word).
  sh -c "${kcmds[$i]}" | sort -k2,2nr -k1,1 > "$T/kjv-out.txt"
  if cmp -s "$T/kjv-out.txt" "$T/kjv-expected.txt"; then r=yes; else r=NO; fi
  kjv_ok="$kjv_ok ${knames[$i]}=$r"
  /usr/bin/time -o "$T/rss-kjv-${knames[$i]}" -f '%e %M' sh -c "${kcmds[$i]} > /dev/null"
done
LOGCOUNT_LOG=debug /usr/bin/time -o "$T/rss-kjv" -f '%e %M' "$LC" run "$KJV" --mode words --top 100000 \
  --stats "$T/stats-kjv.json" > /dev/null 2> "$T/log-kjv.txt"
hyperfine --style basic --runs "$KJV_RUNS" --warmup 1 --export-json "$T/kjv.json" "${kargs[@]}" >&2

# ---- Report ----------------------------------------------------------------------------
python3 - "$T" "$SIZE" "$RUNS" "$KJV_RUNS" "$PARTS" "$MEM" "$top_ok" "$all_ok" "$distinct" "$kjv_ok" "$BIN" <<'EOF'
import json, os, subprocess, sys, time
T, size, runs, kjv_runs, parts, mem, top_ok, all_ok, distinct, kjv_ok, binary = sys.argv[1:]
log_bytes = os.path.getsize(f"{T}/words.log")
kjv_bytes = os.path.getsize(f"{T}/kjvbible_x10.txt")
cmds = dict(line.rstrip("\n").split("\t", 1) for line in open(f"{T}/cmds.tsv"))

def results(path):
    return {r["command"]: r for r in json.load(open(path))["results"]}

def rss(name):
    s, kib = open(f"{T}/rss-{name}").read().split()[-2:]
    return float(s), int(kib) / 1024

def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"

def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()

rev = sh("git rev-parse --short HEAD") + (" + uncommitted changes" if sh("git status --porcelain --untracked-files=no") else "")
print(f"## Word frequencies: `workloads/words.sh {size} {runs}`\n")
built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(binary)))
print(f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}; machine: `nproc` {os.cpu_count()}, {cpu()}; "
      f"tree {rev}; binary {binary} (built {built}; run from a copy in the temp dir); LC_ALL=C for every command")
print(f"- generated log: `logcount gen --size {size} --seed 42`, {log_bytes:,} bytes, "
      f"{int(distinct):,} distinct words; medians of {runs} runs (hyperfine, no warm-up, in page cache)")
print(f"- FILE = {T}/words.log, W = the work dir (removed before each run)\n")

res = results(f"{T}/log.json")
pipe = res["pipeline"]["median"]
label = {
    "run": "`logcount run FILE --work W --mode words --top 10` (default reducers)",
    "run-r4": "... `--reducers 4`",
    "run-mem": f"... `--memory {mem}`",
    "pipeline": "`LC_ALL=C tr -s '[:space:]' '\\n' < FILE \\| tr A-Z a-z \\| sort \\| uniq -c \\| sort -rn \\| head`",
}
print("| command | median s | min-max s | MB/s | time / pipeline | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|")
for k, l in label.items():
    r = res[k]
    peak = f"{rss(k)[1]:.0f}" + (" (largest process)" if k == "pipeline" else "")
    print(f"| {l} | {r['median']:.2f} | {min(r['times']):.2f}-{max(r['times']):.2f} | "
          f"{log_bytes / 1e6 / r['median']:.1f} | {r['median'] / pipe:.2f} | {peak} |")
print()
for k in ("run", "run-r4", "run-mem"):
    v = pipe / res[k]["median"]
    print(f"- {k}: {v:.2f}x {'faster' if v >= 1 else 'slower'} than the pipeline")
print(f"- agreement with the pipeline: top 10 {top_ok}; all {int(distinct):,} words and counts "
      f"(words/*.tsv vs uniq -c) {all_ok}")
print()

print(f"### Where the time goes (`logcount run ... --stats`, one more run of each, `LOGCOUNT_LOG=debug`; kjv: the KJV-like text below)\n")
print("| run | wall s | split s | count s (parts: median / max) | reduce s | merge s | spills per part |")
print("|---|---:|---:|---:|---:|---:|---|")
for k in ("run", "run-r4", "run-mem", "kjv"):
    st = {s["step"]: s for s in json.load(open(f"{T}/stats-{k}.json"))["steps"]}
    spills = [l.split("spills=")[1].split()[0] for l in open(f"{T}/log-{k}.txt") if "partitions written" in l]
    c = st.get("count", {})
    print(f"| {k} | {rss(k)[0]:.2f} | {st['split']['wall_ms'] / 1e3:.2f} | {c.get('wall_ms', 0) / 1e3:.2f} "
          f"({c.get('tasks', 0)}: {c.get('task_ms_median', 0) / 1e3:.2f} / {c.get('task_ms_max', 0) / 1e3:.2f}) | "
          f"{st.get('reduce', {}).get('wall_ms', 0) / 1e3:.2f} ({st.get('reduce', {}).get('tasks', 0)} reducers) | "
          f"{st['merge']['wall_ms'] / 1e3:.2f} | {', '.join(spills)} |")
print()

print(f"### Peak RSS of every step (step binaries one at a time, `--parts {parts}`, GNU time %M)\n")
print(f"`{cmds['steps-default']}`\n")
conf = {"default": "default reducers", "reducers4": "split `--reducers 4`", "memory": f"count `--memory {mem}`"}
kinds = ("split", "count", "reduce", "merge")
print("| config | " + " | ".join(f"{k}: max RSS MiB (tasks, total s)" for k in kinds) + " |")
print("|---|" + "---:|" * len(kinds))
over = []
for c, l in conf.items():
    rows = [line.split() for line in open(f"{T}/steps-{c}.txt")]
    cells = []
    for k in kinds:
        sel = [(float(s), int(m) / 1024) for kk, s, m in rows if kk == k]
        peak = max(m for _, m in sel)
        if peak > 256:
            over.append(f"{k} ({l}) {peak:.0f} MiB")
        cells.append(f"{peak:.0f} ({len(sel)}, {sum(s for s, _ in sel):.2f})")
    print(f"| {l} | " + " | ".join(cells) + " |")
print()
print("- steps over 256 MiB: " + (", ".join(over) if over else "none"))
print()

kres = results(f"{T}/kjv.json")
klabel = {
    "logcount": "`logcount run KJV --mode words --top 100000`",
    "logcount-stdin": "`logcount run --mode words --top 100000 < KJV`",
    "optimized-c": "countwords optimized C (`cc -O2`) `< KJV`",
    "optimized-rust": "countwords optimized Rust (fxhash) `< KJV`",
    "optimized-python": "countwords optimized Python `< KJV`",
}
c_med = kres["optimized-c"]["median"]
print(f"### countwords: KJV-like text x10 ({kjv_bytes:,} bytes; stand-in, workloads/countwords/gen_kjv.py)\n")
print(f"Medians of {kjv_runs} runs after 1 warm-up; KJV = {T}/kjvbible_x10.txt\n")
print("| program | median s | MB/s | time / optimized C | peak RSS MiB |")
print("|---|---:|---:|---:|---:|")
for k, l in klabel.items():
    if k in kres:
        m = kres[k]["median"]
        print(f"| {l} | {m:.3f} | {kjv_bytes / 1e6 / m:.0f} | {m / c_med:.2f} | {rss('kjv-' + k)[1]:.0f} |")
print()
print(f"- outputs equal to the expected counts:{kjv_ok}")
print()
print("### Commands (exact)\n")
for k, c in cmds.items():
    print(f"- {k}: `{c}`")
EOF
