#!/usr/bin/env bash
# The many-core check in one run, for a machine without a Rust toolchain (the device machine):
# workloads/bench.sh on every core with 8 GiB in tmpfs (prebuilt binaries, the logcount commands
# and one ripgrep run), mmap against pread and the two floors side by side, --stats of 16 and
# 64 parts, then ../shared/device/scale.sh (the scaling table, 1 to 16 threads).
# Needs, in .dev/ (ignored by git; name it in the device call's carry):
#   .dev/logcount, .dev/floor   stripped release builds (target/release/logcount and
#                               target/release/examples/floor)
#   .dev/limit                  ../shared/device/floor, built with cargo build --release
#                               --manifest-path ../shared/device/floor/Cargo.toml --target-dir /tmp/floor
#   .dev/hyperfine, .dev/rg, .dev/libpcre2-8.so.0   Debian's binaries and rg's one library
#   .dev/scale.sh               a copy of ../shared/device/scale.sh
# Run from the checkout: bash workloads/many-core.sh   (about 5 minutes on 16 cores; writes
# $OUT/device.log, bench.md, bench.err, floors.json, stats16.json, stats64.json, scale.log)
set -u
D=$PWD/.dev; chmod +x $D/*; export PATH=$D:$PATH LD_LIBRARY_PATH=$D
OUT=${OUT:-/tmp/many-core}; mkdir -p $OUT
exec > >(tee $OUT/device.log) 2>&1
date -u; nproc; grep -m1 'model name' /proc/cpuinfo
for f in avx2 avx512bw avx512vbmi gfni avx512_bitalg avx512_vpopcntdq bmi1 popcnt; do grep -q -w $f /proc/cpuinfo && printf '%s ' $f; done; echo
free -g | head -2; df -h /dev/shm /tmp | tail -2; ls /usr/bin/time taskset 2>&1
L=/dev/shm/lb
echo "== bench.sh 8GiB 3 rounds"
BENCH_DIR=$L BENCH_BIN=$D BENCH_ONLY='run|count|count-1thread|count-aho-leftmost|count-by-hour|count-whole-word|count-ignore-case|rg-1|count-syslog|count-syslog-by-hour|count-clf|count-clf-by-hour' \
  timeout 300 bash workloads/bench.sh 8GiB 3 2>$OUT/bench.err | tee $OUT/bench.md
tail -5 $OUT/bench.err
echo "== mmap vs pread, floors"
timeout 90 hyperfine -N --style basic -w 1 -r 7 -n floor16 "floor $L/bench.log 16" -n limit16 "limit $L/bench.log --io read --threads 16" \
  -n count-mmap "logcount count --work $L/w-count --part-id 0" -n count-pread "logcount count --work $L/w-count --part-id 0 --read pread" \
  -n run16 "logcount run --input $L/bench.log --work /tmp/wr16 --parts 16 -q" -n run64 "logcount run --input $L/bench.log --work /tmp/wr64 --parts 64 -q" \
  --export-json $OUT/floors.json 2>&1 | grep -E "^(Benchmark|  Time)"
logcount run --input $L/bench.log --work /tmp/ws16 --parts 16 --stats $OUT/stats16.json -q >/dev/null; logcount run --input $L/bench.log --work /tmp/ws64 --parts 64 --stats $OUT/stats64.json -q >/dev/null
rm -f $L/bench-syslog.log $L/bench-clf.log; rm -rf /tmp/wr16 /tmp/wr64 /tmp/ws16 /tmp/ws64
echo "== scale.sh"
SIZE=8GiB timeout 220 bash $D/scale.sh >/dev/null 2>&1; sleep 2; cat $OUT/scale.log
date -u
