#!/usr/bin/env python3
"""Write a KJV-like English text: a stand-in for countwords' kjvbible.txt.

The countwords benchmark (https://github.com/benhoyt/countwords) counts the words of the
King James Bible, kjvbible.txt (4.3 MB) concatenated 10 times (kjvbible_x10.txt, 43 MB).
That file is not available offline, so this writes a stand-in with the same words:

- kjv-word-counts.txt.gz (beside this script) is countwords' expected output
  (output.txt: every lowercased word of kjvbible_x10.txt and its count) divided by 10, i.e.
  the word counts of one kjvbible.txt: 821,133 words, 32,187 distinct.
- One copy is exactly that multiset of words in a seeded random order (the real text's order
  is lost), cut into "verses" of 8 to 45 words (mean ~26.5, the KJV's 821,133 / 31,102),
  each wrapped at 70 columns and followed by a blank line, as in the Project Gutenberg
  layout. The first word of each verse and about 5% of the others are capitalized, so the
  programs lowercase as they would on the real text; lowercased counts are unchanged.
- The copy is written COPIES times (default 10), as countwords' test.sh does.

So every program's output on the stand-in must equal countwords' output.txt: the counts
are those of the real benchmark, byte for byte after lowercasing (about 4.31 MB per copy
against the real file's ~4.33 MB). Only the word order and line breaks are synthetic, which
matters little to a hash-table word counter.

Usage: gen_kjv.py OUT [COPIES] [--expected FILE]
  --expected FILE also writes the expected `word count` lines for the whole output
  (counts x COPIES), most frequent first, ties by word ascending (countwords' normalize.py
  order).
"""

import argparse
import gzip
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
COUNTS = os.path.join(HERE, "kjv-word-counts.txt.gz")
WIDTH = 70
SEED = 1611  # the KJV's year; any fixed seed makes the same bytes


def load_counts():
    counts = []
    with gzip.open(COUNTS, "rt", encoding="ascii") as f:
        for line in f:
            word, n = line.split()
            counts.append((word, int(n)))
    return counts


def one_copy(counts):
    rng = random.Random(SEED)
    words = [w for w, n in counts for _ in range(n)]
    rng.shuffle(words)
    out = []
    i = 0
    while i < len(words):
        verse = words[i : i + rng.randint(8, 45)]
        i += len(verse)
        verse = [
            w.capitalize() if j == 0 or rng.random() < 0.05 else w
            for j, w in enumerate(verse)
        ]
        line = verse[0]
        for w in verse[1:]:
            if len(line) + 1 + len(w) > WIDTH:
                out.append(line)
                line = w
            else:
                line += " " + w
        out.append(line)
        out.append("")
    return ("\n".join(out) + "\n").encode("ascii")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("copies", nargs="?", type=int, default=10)
    p.add_argument("--expected")
    a = p.parse_args()
    counts = load_counts()
    text = one_copy(counts)
    with open(a.out, "wb") as f:
        for _ in range(a.copies):
            f.write(text)
    if a.expected:
        ordered = sorted(counts, key=lambda wn: (-wn[1], wn[0]))
        with open(a.expected, "w", encoding="ascii") as f:
            for w, n in ordered:
                f.write(f"{w} {n * a.copies}\n")


if __name__ == "__main__":
    main()
