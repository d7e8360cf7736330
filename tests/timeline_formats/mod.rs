//! Timestamp formats for `--by` through `logcount run`: every named format
//! (detected, and chosen with `--time-format NAME`), strftime-style patterns,
//! `--time-field N|json:KEY`, the year of yearless formats (`--year`, the
//! object's last-modified time, the December → January roll-over), zones
//! (`--timezone` IANA names across DST changes, fixed offsets), every bucket
//! unit (second, minute, hour, day, `Ns`/`Nm`/`Nh`), mixed datasets whose
//! objects each have their own format, junk lines before the first timed one
//! and objects no format fits. Each `<work>/timeline.json` is compared with an
//! independent Python oracle (`tests/oracle/timeline_formats.py`: `re`,
//! `datetime`, `zoneinfo`, written from the format contract), which is told
//! each object's format (it does not detect), over several part counts and
//! read block sizes, with CRLF line ends and a missing final newline. The logs
//! are generated with a deterministic PRNG: time advancing by random steps,
//! keywords in the messages, untimed continuation lines (stack traces), and
//! near misses (2% of the timed lines get one of their first 40 bytes
//! replaced by a non-digit: a broken separator, a letter or `.` right after
//! the timestamp, a field split in two), which the oracle times or not by the
//! contract's rules. The generated data avoids ambiguous detection (a line
//! that two formats of the table both parse), since the oracle is told the
//! format rather than detecting it.

mod datasets;
mod detected;
mod flags;
mod generate;
mod harness;
mod years_and_zones;

use generate::*;
use harness::*;

use crate::common::{ok, repo_root, step_binary};
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub(super) const KEYWORDS: [&str; 4] = ["INFO", "WARN", "ERROR", "DEBUG"];
pub(super) const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub(super) const WDAY: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// A read block size much smaller than the objects (the default, 4 MiB, is
/// larger than all of them).
pub(super) const SMALL_BLOCK: Option<usize> = Some(4096);
pub(super) const DEFAULT_BLOCK: Option<usize> = None;
