# countwords "optimized Python" by Ben Hoyt, vendored unmodified below this comment from
# https://github.com/benhoyt/countwords (optimized.py, commit d8c5cf3af2f58f4ca8b4f6d59cfd3329f815c453).
# Copyright (c) 2021 Ben Hoyt. MIT License: see LICENSE-countwords.txt beside this file.
import collections
import sys

counts = collections.Counter()
remaining = ''
while True:
    chunk = remaining + sys.stdin.read(64*1024)
    if not chunk:
        break
    last_lf = chunk.rfind('\n')  # process to last LF character
    if last_lf == -1:
        remaining = ''
    else:
        remaining = chunk[last_lf+1:]
        chunk = chunk[:last_lf]
    counts.update(chunk.lower().split())

for word, count in counts.most_common():
    print(word, count)
