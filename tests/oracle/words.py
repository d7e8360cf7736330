#!/usr/bin/env python3
"""Independent oracle for words mode (tests/words*.rs), written from the
contract, not from the Rust code. Standard library only.

Usage: words.py INPUT RANKED.json RANKED_LINES BY_WORD [KINDS]

The words of INPUT are collections.Counter(data.lower().split()) on the
bytes: bytes.split() splits on ASCII whitespace, bytes.lower() lowers ASCII
letters only. With KINDS (`--normalize`, e.g. "ip,digits"), each word is
first normalized by normalize.py's regular expressions. Writes:

- RANKED.json: every [word, count], most frequent first, ties by the word's
  bytes ascending; a word that is not UTF-8 has each byte of an invalid
  sequence written as \\XHH (upper-case hex), as result.json encodes it.
- RANKED_LINES: the same order, raw bytes, one `word count` line each (what
  `logcount merge` prints).
- BY_WORD: every word once, sorted by its bytes, raw `word<TAB>count` lines
  (the union of the reducers' words/<r>.tsv).
"""

import codecs
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import normalize  # noqa: E402


def escape(err):
    bad = err.object[err.start : err.end]
    return ("".join("\\X%02X" % b for b in bad), err.end)


codecs.register_error("logcount-escape", escape)

data = open(sys.argv[1], "rb").read()
kinds = normalize.parse(sys.argv[5] if len(sys.argv) > 5 else "")
counts = collections.Counter(normalize.normalize(w, kinds) for w in data.lower().split())
ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
with open(sys.argv[2], "w") as f:
    json.dump([[w.decode("utf-8", "logcount-escape"), n] for w, n in ranked], f)
with open(sys.argv[3], "wb") as f:
    for w, n in ranked:
        f.write(w + b" " + str(n).encode() + b"\n")
with open(sys.argv[4], "wb") as f:
    for w in sorted(counts):
        f.write(w + b"\t" + str(counts[w]).encode() + b"\n")
