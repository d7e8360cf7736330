//! The resources a step may use, from the pod rather than the node: the
//! memory limit and CPU quota of the process's cgroup (v2 `memory.max` and
//! `cpu.max`; v1 `memory.limit_in_bytes` and `cpu.cfs_quota_us` /
//! `cpu.cfs_period_us`), or an explicit memory budget (`--memory`,
//! [`LOGCOUNT_MEMORY`](crate::spec::env::MEMORY)).
//!
//! The count step holds its read-ahead (blocks read and not yet counted) to a
//! share of the memory budget ([`read_ahead`]), so its peak memory does not
//! grow with the number of cores it sees; the counting threads follow the
//! CPU quota ([`init_thread_pool`]). The parsing is pure functions of the
//! cgroup files' contents; [`Cgroup::read`] is the thin reader over them.

use crate::spec::env;
use std::path::{Path, PathBuf};

/// The memory budget when neither a flag nor a cgroup limit gives one.
pub const DEFAULT_MEMORY: u64 = 1 << 30;
/// The read-ahead of a count may use one part in this many of the budget;
/// the rest is for the program, its threads, the tallies and the decoders.
pub const READ_AHEAD_SHARE: u64 = 4;
/// A words map's table may hold one part in this many of the budget before
/// it spills a sorted run to local disk (the read-ahead holds another; the
/// rest is for the arena's growth, the units being counted and the program).
pub const WORD_TABLE_SHARE: u64 = 8;
/// The most a words map's table holds before it spills, whatever the
/// budget: a table that fits the caches better counts faster, and merging
/// more runs costs less than that (`workloads/words.sh`: a 1 GiB log's
/// count took 7.8 s with 16 MiB tables, 11.2 s with 128 MiB ones).
pub const WORD_TABLE_MAX: u64 = 16 << 20;
/// The smallest block the read-ahead shrinks blocks to, to keep every
/// counting thread busy under a tight budget.
pub const MIN_BLOCK: usize = 1 << 20;
/// The fewest blocks in flight, whatever the budget: one read, one count.
pub const MIN_BLOCKS: usize = 2;

/// A cgroup v1 limit at or above this means "no limit" (the kernel writes
/// `PAGE_COUNTER_MAX` pages, about 2^63 bytes, rounded to the page size).
const V1_UNLIMITED: u64 = 1 << 62;

/// Parses a memory size: bytes, or a number with a binary suffix as Docker
/// and Kubernetes write them: `k`/`m`/`g`/`t` (either case, Docker's
/// `--memory 256m`), `Ki`/`Mi`/`Gi`/`Ti` and `KiB`/`MiB`/`GiB`/`TiB`; the
/// decimal `KB`/`MB`/`GB`/`TB` are powers of ten.
///
/// ```
/// use logcount::budget::parse_memory;
/// assert_eq!(parse_memory("256m"), Ok(256 << 20));
/// assert_eq!(parse_memory("1G"), Ok(1 << 30));
/// assert_eq!(parse_memory("512Mi"), Ok(512 << 20));
/// assert_eq!(parse_memory("2MB"), Ok(2_000_000));
/// assert!(parse_memory("lots").is_err());
/// ```
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a memory size (try 256M, 1G, 512Mi)"))?;
    let shift = |p: u32| Some(1u64 << (10 * p));
    let mult = match unit.trim() {
        "" | "b" | "B" => Some(1),
        "k" | "K" | "Ki" | "KiB" => shift(1),
        "m" | "M" | "Mi" | "MiB" => shift(2),
        "g" | "G" | "Gi" | "GiB" => shift(3),
        "t" | "T" | "Ti" | "TiB" => shift(4),
        "KB" | "kB" => Some(1_000),
        "MB" => Some(1_000_000),
        "GB" => Some(1_000_000_000),
        "TB" => Some(1_000_000_000_000),
        _ => None,
    }
    .ok_or_else(|| format!("unknown unit {unit:?} in memory size {s:?} (try 256M, 1G, 512Mi)"))?;
    match num.checked_mul(mult) {
        Some(0) => Err(format!("memory size {s:?} is zero")),
        Some(n) => Ok(n),
        None => Err(format!("memory size {s:?} is too large")),
    }
}

/// cgroup v2 `memory.max`: a byte count, or `max` for none.
pub fn parse_memory_max(text: &str) -> Option<u64> {
    match text.trim() {
        "max" => None,
        n => n.parse().ok().filter(|&n| n > 0),
    }
}

/// cgroup v1 `memory.limit_in_bytes`: a byte count; a huge one (the
/// kernel's "unlimited") or `-1` is none.
pub fn parse_memory_limit_v1(text: &str) -> Option<u64> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0 && n < V1_UNLIMITED)
}

/// cgroup v2 `cpu.max`, `"<quota> <period>"` in microseconds (`max` quota
/// for none): the CPUs the quota gives, rounded up.
pub fn parse_cpu_max(text: &str) -> Option<usize> {
    let mut words = text.split_whitespace();
    let quota = words.next()?;
    let period = words.next().unwrap_or("100000");
    if quota == "max" {
        return None;
    }
    cpus(quota.parse().ok()?, period.parse().ok()?)
}

/// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` (quota `-1` for
/// none): the CPUs the quota gives, rounded up.
pub fn parse_cfs_v1(quota: &str, period: &str) -> Option<usize> {
    let quota: i64 = quota.trim().parse().ok()?;
    let period: u64 = period.trim().parse().ok()?;
    cpus(u64::try_from(quota).ok()?, period)
}

/// `quota / period`, rounded up; `None` for a zero quota or period.
fn cpus(quota: u64, period: u64) -> Option<usize> {
    (quota > 0 && period > 0).then(|| quota.div_ceil(period).max(1) as usize)
}

/// The cgroup paths of `/proc/self/cgroup`: the v2 path (`0::/path`) and,
/// per v1 controller, its path.
fn cgroup_paths(proc_self_cgroup: &str) -> (Option<String>, Vec<(String, String)>) {
    let mut v2 = None;
    let mut v1 = Vec::new();
    for line in proc_self_cgroup.lines() {
        let mut f = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if id == "0" && controllers.is_empty() {
            v2 = Some(path.to_string());
        } else {
            for c in controllers.split(',') {
                v1.push((c.to_string(), path.to_string()));
            }
        }
    }
    (v2, v1)
}

/// What a process's cgroup limits it to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cgroup {
    /// The memory limit in bytes, if there is one.
    pub memory: Option<u64>,
    /// The CPUs of the CPU quota (rounded up), if there is one.
    pub cpus: Option<usize>,
}

impl Cgroup {
    /// This process's limits, from `/proc/self/cgroup` and `/sys/fs/cgroup`;
    /// none where they cannot be read (not Linux, no cgroup file system).
    pub fn read() -> Cgroup {
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        Cgroup::read_at(Path::new("/sys/fs/cgroup"), &own)
    }

    /// The limits under the cgroup file system mounted at `root`, for a
    /// process whose `/proc/self/cgroup` reads `own`. A limit is the
    /// smallest one set on the process's cgroup or any cgroup above it; a
    /// cgroup namespace (the process sees its own cgroup as `/`) reads the
    /// files at `root` itself.
    pub fn read_at(root: &Path, own: &str) -> Cgroup {
        let (v2, v1) = cgroup_paths(own);
        let read = |p: PathBuf| std::fs::read_to_string(p).ok();
        if root.join("cgroup.controllers").exists() {
            let dirs = ancestors(root, v2.as_deref().unwrap_or("/"));
            return Cgroup {
                memory: min_over(&dirs, |d| {
                    read(d.join("memory.max")).and_then(|t| parse_memory_max(&t))
                }),
                cpus: min_over(&dirs, |d| {
                    read(d.join("cpu.max")).and_then(|t| parse_cpu_max(&t))
                }),
            };
        }
        let dirs_of = |controller: &str, mounts: &[&str]| {
            let path = v1
                .iter()
                .find(|(c, _)| c == controller)
                .map_or("/", |(_, p)| p.as_str());
            mounts
                .iter()
                .map(|m| root.join(m))
                .find(|m| m.is_dir())
                .map_or_else(Vec::new, |m| ancestors(&m, path))
        };
        let memory = min_over(&dirs_of("memory", &["memory"]), |d| {
            read(d.join("memory.limit_in_bytes")).and_then(|t| parse_memory_limit_v1(&t))
        });
        let cpus = min_over(
            &dirs_of("cpu", &["cpu", "cpu,cpuacct", "cpuacct,cpu"]),
            |d| {
                parse_cfs_v1(
                    &read(d.join("cpu.cfs_quota_us"))?,
                    &read(d.join("cpu.cfs_period_us"))?,
                )
            },
        );
        Cgroup { memory, cpus }
    }
}

/// The directories of cgroup `path` under `root` that exist, from it up to
/// `root`; just `root` when the path is not there (a cgroup namespace).
fn ancestors(root: &Path, path: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Path::new(path.trim_start_matches('/'))
        .ancestors()
        .map(|a| root.join(a))
        .filter(|d| d.is_dir())
        .collect();
    if dirs.is_empty() {
        dirs.push(root.to_path_buf());
    }
    dirs
}

fn min_over<T: Ord>(dirs: &[PathBuf], f: impl Fn(&Path) -> Option<T>) -> Option<T> {
    dirs.iter().filter_map(|d| f(d)).min()
}

/// Where a memory budget came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemorySource {
    /// `--memory` / `LOGCOUNT_MEMORY`.
    Explicit,
    /// The cgroup's memory limit.
    Cgroup,
    /// Neither: [`DEFAULT_MEMORY`].
    Default,
}

/// A step's memory budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget {
    /// Bytes the step may use in all.
    pub bytes: u64,
    /// Where the figure came from.
    pub source: MemorySource,
}

impl MemoryBudget {
    /// The budget: `explicit` when given, else the cgroup's memory limit,
    /// else [`DEFAULT_MEMORY`].
    pub fn resolve(explicit: Option<u64>, cgroup: &Cgroup) -> MemoryBudget {
        match (explicit, cgroup.memory) {
            (Some(bytes), _) => MemoryBudget {
                bytes,
                source: MemorySource::Explicit,
            },
            (None, Some(bytes)) => MemoryBudget {
                bytes,
                source: MemorySource::Cgroup,
            },
            (None, None) => MemoryBudget {
                bytes: DEFAULT_MEMORY,
                source: MemorySource::Default,
            },
        }
    }

    /// This budget shared by `n` steps running at once in one process.
    pub fn shared(self, n: usize) -> MemoryBudget {
        MemoryBudget {
            bytes: self.bytes / n.max(1) as u64,
            ..self
        }
    }
}

/// How much a count reads ahead of its counting threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAhead {
    /// Bytes per block (per ranged read).
    pub block: usize,
    /// Blocks in memory at once: being read, or read and not yet counted.
    pub blocks: usize,
}

/// The read-ahead of a count with `threads` counting threads and blocks of
/// `block` bytes under a memory budget of `memory` bytes: two blocks per
/// thread when the budget's read-ahead share ([`READ_AHEAD_SHARE`]) holds
/// them; otherwise smaller blocks (down to [`MIN_BLOCK`], never larger than
/// `block`) to keep the threads busy, and as many as the share holds
/// (at least [`MIN_BLOCKS`]).
///
/// ```
/// use logcount::budget::{read_ahead, ReadAhead};
/// // 4 threads, 4 MiB blocks, 1 GiB: two blocks per thread.
/// assert_eq!(read_ahead(1 << 30, 4 << 20, 4), ReadAhead { block: 4 << 20, blocks: 8 });
/// // 64 threads under 256 MiB: 64 MiB of read-ahead, in 1 MiB blocks.
/// assert_eq!(read_ahead(256 << 20, 4 << 20, 64), ReadAhead { block: 1 << 20, blocks: 64 });
/// ```
pub fn read_ahead(memory: u64, block: usize, threads: usize) -> ReadAhead {
    let block = block.max(1);
    let wanted = 2 * threads.max(1);
    let share = memory / READ_AHEAD_SHARE;
    if (wanted as u64).saturating_mul(block as u64) <= share {
        return ReadAhead {
            block,
            blocks: wanted,
        };
    }
    let smaller = (share / wanted as u64) as usize;
    let block = smaller.clamp(MIN_BLOCK.min(block), block);
    let blocks = ((share / block as u64) as usize).clamp(MIN_BLOCKS, wanted);
    ReadAhead { block, blocks }
}

/// The counting threads: `None` (rayon's own choice, or its
/// `RAYON_NUM_THREADS`) when that variable is set or there is no CPU
/// quota; else the quota's CPUs.
pub fn threads_for(rayon_num_threads: Option<&str>, cgroup: &Cgroup) -> Option<usize> {
    match rayon_num_threads {
        Some(n) if !n.trim().is_empty() => None,
        _ => cgroup.cpus,
    }
}

/// Sizes the global rayon pool to the cgroup's CPU quota, unless
/// `RAYON_NUM_THREADS` is set (rayon reads it) or there is no quota. Call
/// before any counting; returns the pool's size.
pub fn init_thread_pool() -> usize {
    let set = std::env::var(env::RAYON_NUM_THREADS).ok();
    if let Some(n) = threads_for(set.as_deref(), &Cgroup::read()) {
        match rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            Ok(()) => tracing::debug!(threads = n, "counting threads follow the CPU quota"),
            Err(e) => tracing::debug!(error = %e, "the thread pool was already started"),
        }
    }
    rayon::current_num_threads()
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
