#!/usr/bin/env python3
"""Independent oracle for `logcount run --by U` with timestamp formats
(tests/timeline_formats.rs), written from the contract (the timestamp-format
specification: named formats, strftime-style patterns, --time-field, --year,
--timezone), not from the Rust code. Standard library only.

Usage: timeline_formats.py SPEC.json, where SPEC is

    {"by": "15m", "keywords": ["INFO", ...], "timezone": "Europe/Paris" | null,
     "year": 2024 | null,
     "objects": [{"path": "/abs/file", "format": "syslog" | "%d/%b/%Y..." | "none",
                  "field": null | 2 | "json:ts", "mtime": epoch_seconds}]}

The caller says which format (and locator) each object uses: the oracle does
not detect. "none" means no format fits the object (every line untimed).
Prints the expected timeline.json (json.dumps of the dict, the contract's key
order).
"""

import collections
import datetime
import json
import re
import sys
from zoneinfo import ZoneInfo

UTC = datetime.timezone.utc
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON = b"(?P<b>" + b"|".join(m.encode() for m in MONTHS) + b")"
WDAY = b"(?:" + b"|".join(d.encode() for d in DAYS) + b")"

# A timestamp that ends in a digit or a zone letter `Z` must be followed by the
# end of the line or by a byte outside [A-Za-z0-9.:+-]; one ending in another
# byte needs nothing.
BOUND = rb"(?:(?<=[0-9Z])(?![A-Za-z0-9.:+\-])|(?<![0-9Z]))"
FRAC = rb"(?:\.[0-9]{1,9})?"
HMS = rb"(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})"
ZONE = rb"(?P<z>Z|[+\-][0-9]{2}:?[0-9]{2})"
ISO = (
    rb"(?P<Y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})[T ](?P<H>[0-9]{2}):(?P<M>[0-9]{2})"
    rb"(?::(?P<S>[0-9]{2})" + FRAC + rb")?" + ZONE + rb"?"
)

# name -> (form at its locator, default locator). Locators: "start" (line
# start), "[start" (line start, optionally after one '['), "pri" (after
# `<PRI>VER `), "[" (from the first '[' of the line), "field" (must be told).
NAMED = {
    "iso": (ISO, "[start"),
    "rfc5424": (ISO, "pri"),
    "syslog": (MON + rb" (?P<d>[0-9]{2}| [0-9]) " + HMS, "start"),
    "apache": (
        rb"\[" + WDAY + rb" " + MON + rb" (?P<d>[0-9]{2}) " + HMS + FRAC + rb" (?P<Y>[0-9]{4})\]",
        "start",
    ),
    "clf": (
        rb"\[(?P<d>[0-9]{2})/" + MON + rb"/(?P<Y>[0-9]{4}):" + HMS + rb" (?P<z>[+\-][0-9]{4})\]",
        "[",
    ),
    "hdfs": (
        rb"(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2}) (?P<H>[0-9]{2})(?P<M>[0-9]{2})(?P<S>[0-9]{2})",
        "start",
    ),
    "logcat": (rb"(?P<m>[0-9]{2})-(?P<d>[0-9]{2}) " + HMS + rb"\.[0-9]{1,9}", "start"),
    "spark": (rb"(?P<y>[0-9]{2})/(?P<m>[0-9]{2})/(?P<d>[0-9]{2}) " + HMS, "start"),
    "healthapp": (
        rb"(?P<Y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})-" + HMS + rb":[0-9]{1,9}",
        "start",
    ),
    "proxifier": (rb"\[(?P<m>[0-9]{2})\.(?P<d>[0-9]{2}) " + HMS + rb"\]", "start"),
    "epoch": (rb"(?P<s>[0-9]{10})" + FRAC, "field"),
    "epoch-ms": (rb"(?P<ms>[0-9]{13})", "field"),
}

# The value of a JSON key: a string holding an iso timestamp, or a number of
# 10 digits (seconds, optional fraction) or 13 digits (milliseconds).
# A string value closes right after the timestamp.
JSON_VALUE = rb'(?:"' + ISO + rb'"|(?P<s>[0-9]{10})' + FRAC + rb"|(?P<ms>[0-9]{13}))"


def pattern_form(pattern):
    """A strftime-style pattern as a regex (bytes) with the same group names."""
    out, i, p = [], 0, pattern.encode()
    seen = set()

    def group(name, body):
        # A pattern may repeat a directive; only the first occurrence names a group.
        if name in seen:
            return b"(?:" + body + b")"
        seen.add(name)
        return b"(?P<" + name.encode() + b">" + body + b")"

    while i < len(p):
        c = p[i : i + 1]
        if c != b"%":
            out.append(re.escape(c))
            i += 1
            continue
        d = p[i + 1 : i + 2]
        i += 2
        if d == b".":
            if p[i : i + 1] != b"f":
                raise SystemExit("bad pattern %r" % pattern)
            i += 1
            out.append(FRAC)
            continue
        table = {
            b"Y": lambda: group("Y", rb"[0-9]{4}"),
            b"y": lambda: group("y", rb"[0-9]{2}"),
            b"m": lambda: group("m", rb"[0-9]{2}"),
            b"d": lambda: group("d", rb"[0-9]{2}"),
            b"e": lambda: group("d", rb"[0-9]{2}| [0-9]"),
            b"b": lambda: group("b", b"|".join(m.encode() for m in MONTHS)),
            b"a": lambda: WDAY,
            b"H": lambda: group("H", rb"[0-9]{2}"),
            b"M": lambda: group("M", rb"[0-9]{2}"),
            b"S": lambda: group("S", rb"[0-9]{2}"),
            b"f": lambda: rb"[0-9]{1,9}",
            b"z": lambda: group("z", rb"Z|[+\-][0-9]{2}:?[0-9]{2}"),
            # "epoch seconds": 10 digits, as the epoch format (the contract
            # gives no width for %s).
            b"s": lambda: group("s", rb"[0-9]{10}"),
            b"%": lambda: b"%",
        }
        if d not in table:
            raise SystemExit("bad pattern directive %%%s in %r" % (d.decode(), pattern))
        out.append(table[d]())
    return b"".join(out)


def field_start(line, n):
    """Offset where the n-th (1-based) blank-separated field starts, or None."""
    i, end = 0, len(line)
    blank = b" \t"
    while i < end and line[i] in blank:
        i += 1
    for _ in range(n - 1):
        while i < end and line[i] not in blank:
            i += 1
        while i < end and line[i] in blank:
            i += 1
    return i if i < end else None


def zone_of(name):
    if name is None or name == "UTC":
        return UTC
    m = re.fullmatch(r"([+-])([0-9]{2}):?([0-9]{2})", name)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        return datetime.timezone(sign * datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    return ZoneInfo(name)


def offset_of(z):
    """A `Z`/`±HH:MM`/`±HHMM` zone as a timedelta east of UTC."""
    z = z.decode()
    if z == "Z":
        return datetime.timedelta(0)
    sign = 1 if z[0] == "+" else -1
    digits = z[1:].replace(":", "")
    return sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


class Format:
    """One object's format at its locator: parse(line) -> a dict of fields or None."""

    def __init__(self, name, field):
        self.json_key = None
        self.field = None
        if name == "none":
            self.form = None
            return
        if name == "json" or (isinstance(field, str) and field.startswith("json:")):
            if name != "json":
                raise SystemExit("a JSON key goes with the json format here, not %r" % name)
            key = field[5:] if isinstance(field, str) else None
            if key is None:
                raise SystemExit("json needs its key (field json:KEY)")
            self.json_key = re.compile(b'"' + re.escape(key.encode()) + rb'"[ \t]*:[ \t]*')
            self.form = re.compile(JSON_VALUE + BOUND)
            self.yearless = False
            return
        if "%" in name:
            form, where = pattern_form(name), "start"
        else:
            form, where = NAMED[name]
        if field is not None:
            where = "field"
            self.field = int(field)
        elif where == "field":
            raise SystemExit("%s needs its field" % name)
        self.where = where
        self.form = re.compile(form + BOUND)
        groups = self.form.groupindex
        self.yearless = not any(g in groups for g in ("Y", "y", "s", "ms"))

    def parse(self, line):
        if self.form is None:
            return None
        if self.json_key is not None:
            k = self.json_key.search(line)
            if not k:
                return None
            m = self.form.match(line, k.end())
        elif self.where == "field":
            at = field_start(line, self.field)
            m = None if at is None else self.form.match(line, at)
        elif self.where == "start":
            m = self.form.match(line)
        elif self.where == "[start":
            m = self.form.match(line) or (self.form.match(line, 1) if line[:1] == b"[" else None)
        elif self.where == "pri":
            p = re.match(rb"<[0-9]{1,3}>[0-9]{1,2} ", line)
            m = self.form.match(line, p.end()) if p else None
        elif self.where == "[":
            at = line.find(b"[")
            m = None if at < 0 else self.form.match(line, at)
        else:
            raise AssertionError(self.where)
        if not m:
            return None
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        if "s" in g or "ms" in g:
            return {"epoch": int(g["s"]) if "s" in g else int(g["ms"]) // 1000}
        t = {
            "year": int(g["Y"]) if "Y" in g else (2000 + int(g["y"]) if "y" in g else None),
            "month": MONTHS.index(g["b"].decode()) + 1 if "b" in g else int(g["m"]),
            "day": int(g["d"].strip()),
            "hour": int(g["H"]),
            "minute": int(g["M"]),
            "second": int(g.get("S", b"0")),
            "zone": g.get("z"),
        }
        ok = (
            1 <= t["month"] <= 12
            and 1 <= t["day"] <= 31
            and t["hour"] <= 23
            and t["minute"] <= 59
            and t["second"] <= 60
        )
        return t if ok else None


def unit_seconds(by):
    names = {"second": ("second", 1), "minute": ("minute", 60), "hour": ("hour", 3600), "day": ("day", 86400)}
    if by in names:
        return names[by]
    m = re.fullmatch(r"([0-9]+)([smhd])", by)
    if not m:
        raise SystemExit("bad --by %r" % by)
    n, u = int(m.group(1)), m.group(2)
    if u == "d":
        if n != 1:
            raise SystemExit("bad --by %r" % by)
        return names["day"]
    if n < 1 or (60 if u in "sm" else 24) % n:
        raise SystemExit("bad --by %r" % by)
    if n == 1:
        return names[{"s": "second", "m": "minute", "h": "hour"}[u]]
    if u == "h" and n == 24:
        return names["day"]
    return "%d%s" % (n, u), n * {"s": 1, "m": 60, "h": 3600}[u]


def sample_lines(lines):
    """The detection sample: whole lines within the first 64 KiB, at most 1,000."""
    out, used = [], 0
    for line in lines:
        used += len(line) + 1
        if used > 65536 or len(out) == 1000:
            break
        out.append(line)
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    canon, width = unit_seconds(spec["by"])
    kws = spec["keywords"]
    keys = [k.encode() for k in kws]
    tz = zone_of(spec.get("timezone"))
    nlines, counts = collections.Counter(), collections.Counter()

    for obj in spec["objects"]:
        data = open(obj["path"], "rb").read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        fmt = Format(obj["format"], obj.get("field"))
        parsed = [fmt.parse(line) for line in lines]
        y0 = m0 = None
        if fmt.form is not None and fmt.yearless:
            firsts = [p for p in (fmt.parse(line) for line in sample_lines(lines)) if p]
            if firsts:
                m0 = firsts[0]["month"]
                if spec.get("year") is not None:
                    y0 = spec["year"]
                else:
                    lm = datetime.datetime.fromtimestamp(obj["mtime"], UTC)
                    y0 = lm.year if lm.month >= m0 else lm.year - 1
        for line, p in zip(lines, parsed):
            b = None
            if p is not None:
                if "epoch" in p:
                    instant = p["epoch"]
                else:
                    year = p["year"]
                    if year is None:
                        if m0 is None:
                            raise SystemExit("%s: a timed line but none in the sample: unspecified" % obj["path"])
                        year = y0 if p["month"] >= m0 else y0 + 1
                    try:
                        naive = datetime.datetime(year, p["month"], p["day"], p["hour"], p["minute"])
                    except ValueError:
                        raise SystemExit("%s: %r is not a calendar date (left unspecified)" % (obj["path"], line))
                    naive += datetime.timedelta(seconds=p["second"])
                    if p["zone"] is not None:
                        when = (naive - offset_of(p["zone"])).replace(tzinfo=UTC)
                    else:
                        when = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
                    instant = int(when.timestamp())
                b = instant - instant % width
            nlines[b] += 1
            for i, k in enumerate(keys):
                counts[b, i] += line.count(k)

    def entry(b):
        return {"lines": nlines[b], "counts": {k: counts[b, i] for i, k in enumerate(kws)}}

    def label(b):
        return datetime.datetime.fromtimestamp(b, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    timed = sorted(b for b in nlines if b is not None)
    print(
        json.dumps(
            {
                "version": 1,
                "by": canon,
                "keywords": kws,
                "buckets": [dict(start=label(b), **entry(b)) for b in timed],
                "untimed": entry(None),
            }
        )
    )


if __name__ == "__main__":
    main()
