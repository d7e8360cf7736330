#!/usr/bin/env python3
"""Independent oracle for word normalization (`--mode words --normalize ...`,
src/normalize.rs), written with `re` over bytes from the rules in the module
docs, not from the Rust code. Standard library only.

Usage: normalize.py KINDS < words, where KINDS is a comma-separated subset of
uuid, ip, hex, digits ("" or "none" for none; the order given does not
matter). Reads one word per line (raw bytes, no whitespace inside a word) and
prints each word normalized, one per line.

Every neighbour check treats a placeholder (<uuid>, <ip>, <hex>, <n>) like a
digit: that is what makes normalizing twice the same as normalizing once.
"""

import re
import sys

ALNUM = rb"[0-9A-Za-z]"
PLACEHOLDER = rb"<(?:uuid|ip|hex|n)>"
# Not preceded by an alphanumeric or a placeholder (fixed-width lookbehinds).
START = rb"(?<![0-9A-Za-z])(?<!<n>)(?<!<ip>)(?<!<hex>)(?<!<uuid>)"
# Not followed by an alphanumeric or a placeholder.
END = rb"(?!" + ALNUM + rb"|" + PLACEHOLDER + rb")"
HEX = rb"[0-9a-f]"
OCTET = rb"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"

UUID = re.compile(
    START
    + HEX + rb"{8}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{4}-" + HEX + rb"{12}"
    + END
)
IP = re.compile(
    START
    + rb"(?<!\.)"
    + OCTET + rb"\." + OCTET + rb"\." + OCTET + rb"\." + OCTET
    # Nor followed by a dot and then a digit or a placeholder.
    + END + rb"(?!\.(?:[0-9]|" + PLACEHOLDER + rb"))"
)
HEXRUN = re.compile(
    START
    + rb"(?:0x" + HEX + rb"+"
    + rb"|(?=" + HEX + rb"*[0-9])(?=" + HEX + rb"*[a-f])" + HEX + rb"{8,})"
    + END
)
DIGITS = re.compile(rb"[0-9]+")

ORDER = [
    ("uuid", UUID, b"<uuid>"),
    ("ip", IP, b"<ip>"),
    ("hex", HEXRUN, b"<hex>"),
    ("digits", DIGITS, b"<n>"),
]


def parse(kinds):
    if kinds in ("", "none"):
        return set()
    names = set(kinds.split(","))
    unknown = names - {name for name, _, _ in ORDER}
    if unknown:
        sys.exit(f"unknown kinds: {sorted(unknown)}")
    return names


def normalize(word, kinds):
    for name, regex, placeholder in ORDER:
        if name in kinds:
            word = regex.sub(placeholder, word)
    return word


def main():
    kinds = parse(sys.argv[1])
    out = sys.stdout.buffer
    for line in sys.stdin.buffer.read().split(b"\n"):
        if line:
            out.write(normalize(line, kinds) + b"\n")


if __name__ == "__main__":
    main()
