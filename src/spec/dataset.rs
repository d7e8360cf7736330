//! How split shapes a dataset: which objects it takes ([`Filters`]), how
//! many parts it cuts ([`Sizing`]: a count, or a size per part so that the
//! fan-out follows the data), and which objects a part may mix
//! ([`GroupBy`]: none of two groups, so each group gets its own counts).
//!
//! Every rule here works on an object's *key*: its path relative to the
//! input it was found under (the prefix, or a glob's literal folder; for an
//! input naming one object, its file name).
//!
//! ```
//! use logcount::spec::dataset::{Filters, GroupBy};
//! let f = Filters::new(&["*.log".into()], &["debug/**".into()]).unwrap();
//! assert!(f.admits("api/2024/app.log"));
//! assert!(!f.admits("api/app.gz"));
//! assert!(!f.admits("debug/x/app.log"));
//! let by: GroupBy = "dir:2".parse().unwrap();
//! assert_eq!(by.group_of("service=api/2024/05/app.log"), "service=api/2024");
//! assert_eq!(by.group_of("top.log"), ".");
//! assert_eq!("object".parse::<GroupBy>().unwrap().group_of("a/b.log"), "a/b.log");
//! ```

use crate::error::{Error, Result};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// The most parts `--part-size` may give by default.
pub const DEFAULT_MAX_PARTS: usize = 10_000;

/// How many parts split cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    /// Exactly this many (for compressed input a maximum).
    Parts(usize),
    /// As many as it takes for parts of about `part_size` bytes, at least
    /// one and at most `max_parts`.
    PartSize {
        /// Bytes per part aimed at.
        part_size: u64,
        /// The most parts.
        max_parts: usize,
    },
}

impl Default for Sizing {
    fn default() -> Self {
        Sizing::Parts(1)
    }
}

impl Sizing {
    /// Refuses a number or size of parts out of range (at most
    /// [`crate::cut::MAX_PARTS`] parts).
    pub fn check(self) -> Result<()> {
        use crate::cut::MAX_PARTS;
        match self {
            Sizing::Parts(n) if n == 0 || n > MAX_PARTS => Err(Error::invalid(
                "number of parts",
                format!("{n} (it must be between 1 and {MAX_PARTS})"),
            )),
            Sizing::PartSize { part_size: 0, .. } => Err(Error::invalid(
                "part size",
                "0 (it must be at least 1 byte)",
            )),
            Sizing::PartSize { max_parts, .. } if max_parts == 0 || max_parts > MAX_PARTS => {
                Err(Error::invalid(
                    "maximum number of parts",
                    format!("{max_parts} (it must be between 1 and {MAX_PARTS})"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The parts for `total` bytes.
    pub fn parts_for(self, total: u64) -> usize {
        match self {
            Sizing::Parts(n) => n,
            Sizing::PartSize {
                part_size,
                max_parts,
            } => {
                let n = total.div_ceil(part_size.max(1)).max(1);
                usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .min(max_parts.max(1))
            }
        }
    }

    /// The parts of each group, given each group's bytes: by size, each
    /// group's own count; with a fixed count, that count shared in
    /// proportion to bytes (largest remainder), each group at least one (so
    /// more groups than parts give a part per group). More groups than
    /// `max_parts` is an error.
    pub fn parts_per_group(self, bytes: &[u64]) -> Result<Vec<usize>> {
        let groups = bytes.len();
        let limit = match self {
            Sizing::Parts(n) => n.max(groups),
            Sizing::PartSize { max_parts, .. } => max_parts,
        };
        if groups > limit {
            return Err(Error::invalid(
                "group-by",
                format!(
                    "the dataset has {groups} groups, more than --max-parts {limit} \
                     (each group needs a part of its own)"
                ),
            ));
        }
        let want: Vec<usize> = match self {
            Sizing::PartSize { .. } => bytes.iter().map(|&b| self.parts_for(b)).collect(),
            Sizing::Parts(_) => apportion(limit, bytes),
        };
        let sum: usize = want.iter().sum();
        if sum <= limit {
            return Ok(want);
        }
        // By size over max_parts: share the limit instead.
        Ok(apportion(limit, bytes))
    }
}

/// `n ≥ bytes.len()` parts shared by groups in proportion to their bytes,
/// each at least one: each group's quota rounded down (at least one), then
/// the parts left over to the largest remainders (or the parts over taken
/// from the smallest).
fn apportion(n: usize, bytes: &[u64]) -> Vec<usize> {
    let groups = bytes.len();
    if groups == 0 {
        return Vec::new();
    }
    let n = n.max(groups);
    let total: u64 = bytes.iter().sum();
    let quota: Vec<f64> = bytes
        .iter()
        .map(|&b| match total {
            0 => n as f64 / groups as f64,
            t => n as f64 * b as f64 / t as f64,
        })
        .collect();
    let mut out: Vec<usize> = quota.iter().map(|q| (q.floor() as usize).max(1)).collect();
    let mut order: Vec<usize> = (0..groups).collect();
    let left = |out: &[usize], i: usize| quota[i] - out[i] as f64;
    loop {
        let sum: usize = out.iter().sum();
        if sum == n {
            return out;
        }
        if sum < n {
            order.sort_by(|&a, &b| left(&out, b).total_cmp(&left(&out, a)).then(a.cmp(&b)));
            for &i in order.iter().take(n - sum) {
                out[i] += 1;
            }
        } else {
            order.sort_by(|&a, &b| left(&out, a).total_cmp(&left(&out, b)).then(a.cmp(&b)));
            let over = sum - n;
            let mut taken = 0;
            for &i in &order {
                if taken == over {
                    break;
                }
                if out[i] > 1 {
                    out[i] -= 1;
                    taken += 1;
                }
            }
        }
    }
}

/// Refuses `--group-by` for a words job: a word count is one vocabulary
/// over the whole dataset.
pub fn check_group_by(group_by: Option<GroupBy>, mode: super::Mode) -> Result<()> {
    if group_by.is_some() && mode == super::Mode::Words {
        return Err(Error::invalid(
            "group-by",
            "words mode counts one vocabulary for the whole dataset; group-by is for keyword \
             counts (and --by)",
        ));
    }
    Ok(())
}

/// Which objects may share a part: those of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// A group per folder, the key's first `DEPTH` folders (`dir` is
    /// `dir:1`); objects with fewer folders are grouped by those they have,
    /// and objects directly under the input form the group `.`.
    Dir(usize),
    /// A group per object.
    Object,
}

impl GroupBy {
    /// The group of an object with key `key`.
    pub fn group_of(self, key: &str) -> String {
        match self {
            GroupBy::Object => key.to_string(),
            GroupBy::Dir(depth) => {
                let folders: Vec<&str> = key.split('/').collect();
                let folders = &folders[..folders.len() - 1];
                if folders.is_empty() {
                    ".".to_string()
                } else {
                    folders[..depth.min(folders.len())].join("/")
                }
            }
        }
    }
}

impl std::str::FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a grouping (dir, dir:DEPTH with DEPTH ≥ 1, or object)");
        match s.split_once(':') {
            None if s == "dir" => Ok(GroupBy::Dir(1)),
            None if s == "object" => Ok(GroupBy::Object),
            Some(("dir", depth)) => match depth.parse::<usize>() {
                Ok(d) if d >= 1 => Ok(GroupBy::Dir(d)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for GroupBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GroupBy::Dir(d) => write!(f, "dir:{d}"),
            GroupBy::Object => f.write_str("object"),
        }
    }
}

impl Serialize for GroupBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GroupBy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl PartialEq for Filters {
    fn eq(&self, other: &Self) -> bool {
        self.globs == other.globs
    }
}

impl Eq for Filters {}

/// Which objects of the inputs split takes: those whose key matches an
/// `--include` glob (all, when none is given) and no `--exclude` glob.
///
/// The globs are `globset`'s, as ripgrep's `--glob`: a pattern without a
/// `/` matches the key's file name at any depth (`*.log`, `_SUCCESS`); one
/// with a `/` matches the whole key (`2024-*/**/*.gz`), `*` staying within
/// one folder and `**` crossing them. An `--include` starting with `!`
/// excludes.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// The include and exclude globs as given (`!` ones with the excludes).
    globs: (Vec<String>, Vec<String>),
    given: Vec<String>,
}

impl Filters {
    /// Filters from the globs given; a glob that does not parse is bad input.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filters> {
        let mut inc = Vec::new();
        let mut exc: Vec<&str> = exclude.iter().map(String::as_str).collect();
        for g in include {
            match g.strip_prefix('!') {
                Some(neg) => exc.push(neg),
                None => inc.push(g.as_str()),
            }
        }
        let set = |globs: &[&str], what: &str| -> Result<Option<GlobSet>> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                let pattern = if g.contains('/') {
                    g.trim_start_matches('/').to_string()
                } else {
                    format!("**/{g}")
                };
                let glob = GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        Error::invalid(format!("{what} glob {g:?}"), e.kind().to_string())
                    })?;
                b.add(glob);
            }
            b.build()
                .map(Some)
                .map_err(|e| Error::invalid(format!("{what} globs"), e.to_string()))
        };
        let mut given: Vec<String> = inc.iter().map(|g| format!("--include {g}")).collect();
        given.extend(exc.iter().map(|g| format!("--exclude {g}")));
        Ok(Filters {
            include: set(&inc, "include")?,
            exclude: set(&exc, "exclude")?,
            globs: (
                inc.iter().map(|g| g.to_string()).collect(),
                exc.iter().map(|g| g.to_string()).collect(),
            ),
            given,
        })
    }

    /// Whether an object with key `key` is taken.
    pub fn admits(&self, key: &str) -> bool {
        self.include.as_ref().is_none_or(|s| s.is_match(key))
            && self.exclude.as_ref().is_none_or(|s| !s.is_match(key))
    }

    /// The include globs, then the exclude globs, as given.
    pub fn globs(&self) -> (&[String], &[String]) {
        (&self.globs.0, &self.globs.1)
    }

    /// Whether any filter was given.
    pub fn is_empty(&self) -> bool {
        self.given.is_empty()
    }

    /// The filters as given, for messages (`--include *.log --exclude x`).
    pub fn describe(&self) -> String {
        self.given.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_table() {
        let t: &[(&[&str], &[&str], &str, bool)] = &[
            (&[], &[], "a/b.log", true),
            (&["*.log"], &[], "b.log", true),
            (&["*.log"], &[], "a/b/c.log", true),
            (&["*.log"], &[], "a/b.log.gz", false),
            (&["*.log", "*.gz"], &[], "a/b.log.gz", true),
            (&["2024-*/*.log"], &[], "2024-05/x.log", true),
            (&["2024-*/*.log"], &[], "2024-05/d/x.log", false),
            (&["2024-*/**/*.log"], &[], "2024-05/d/x.log", true),
            (&[], &["_SUCCESS"], "out/_SUCCESS", false),
            (&[], &["_SUCCESS"], "out/part-0", true),
            (&["!_SUCCESS"], &[], "out/_SUCCESS", false),
            (&["!_SUCCESS"], &[], "out/part-0", true),
            (&["*"], &["tmp/**"], "tmp/x/y", false),
            (&["/top.log"], &[], "top.log", true),
            (&["/top.log"], &[], "a/top.log", false),
        ];
        for (inc, exc, key, want) in t {
            let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let f = Filters::new(&own(inc), &own(exc)).unwrap();
            assert_eq!(f.admits(key), *want, "{inc:?} {exc:?} {key}");
        }
        assert!(Filters::new(&["[x".into()], &[]).is_err());
    }

    #[test]
    fn groups_table() {
        let t: &[(&str, &str, &str)] = &[
            ("dir", "a/b/c.log", "a"),
            ("dir:1", "c.log", "."),
            ("dir:2", "a/b/c.log", "a/b"),
            ("dir:2", "a/c.log", "a"),
            ("dir:5", "a/b/c.log", "a/b"),
            ("object", "a/b/c.log", "a/b/c.log"),
        ];
        for (by, key, want) in t {
            let g: GroupBy = by.parse().unwrap();
            assert_eq!(g.group_of(key), *want, "{by} {key}");
        }
        for bad in ["dir:0", "dir:", "dirs", "object:1", ""] {
            assert!(bad.parse::<GroupBy>().is_err(), "{bad}");
        }
        assert_eq!("dir".parse::<GroupBy>().unwrap().to_string(), "dir:1");
    }

    #[test]
    fn apportion_gives_every_part_and_each_group_one() {
        let shapes: &[&[u64]] = &[
            &[0],
            &[5],
            &[0, 0, 0],
            &[1, 1_000_000],
            &[7, 0, 3, 900, 1],
            &[u64::MAX / 8, 1],
        ];
        for bytes in shapes {
            for n in 0..40 {
                let got = apportion(n, bytes);
                assert_eq!(
                    got.iter().sum::<usize>(),
                    n.max(bytes.len()),
                    "{n} {bytes:?}"
                );
                assert!(got.iter().all(|&p| p >= 1), "{n} {bytes:?}: {got:?}");
            }
        }
    }

    #[test]
    fn sizing_table() {
        let by = |part_size, max_parts| Sizing::PartSize {
            part_size,
            max_parts,
        };
        assert_eq!(by(100, 10).parts_for(0), 1);
        assert_eq!(by(100, 10).parts_for(100), 1);
        assert_eq!(by(100, 10).parts_for(101), 2);
        assert_eq!(by(100, 10).parts_for(100_000), 10);
        assert_eq!(Sizing::Parts(7).parts_for(1), 7);
        // Per group.
        assert_eq!(
            by(100, 10).parts_per_group(&[250, 0, 100]).unwrap(),
            [3, 1, 1]
        );
        assert_eq!(
            by(100, 4).parts_per_group(&[250, 0, 100]).unwrap(),
            [2, 1, 1]
        );
        assert_eq!(
            Sizing::Parts(10).parts_per_group(&[900, 100]).unwrap(),
            [9, 1]
        );
        assert_eq!(
            Sizing::Parts(4).parts_per_group(&[1, 1, 1, 1]).unwrap(),
            [1, 1, 1, 1]
        );
        assert_eq!(
            Sizing::Parts(5)
                .parts_per_group(&[0, 0])
                .unwrap()
                .iter()
                .sum::<usize>(),
            5
        );
        assert_eq!(
            Sizing::Parts(2).parts_per_group(&[1, 1, 1]).unwrap(),
            [1, 1, 1]
        );
        assert!(by(1, 2).parts_per_group(&[1, 1, 1]).is_err());
    }
}
