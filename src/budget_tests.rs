//! Tests of the budget: the cgroup files' parsers (tables), the reader over
//! a cgroup tree laid out in a temporary directory, and the read-ahead.

use super::*;

#[test]
fn memory_sizes() {
    let ok: &[(&str, u64)] = &[
        ("1", 1),
        ("4096", 4096),
        ("256m", 256 << 20),
        ("256M", 256 << 20),
        ("256Mi", 256 << 20),
        ("256MiB", 256 << 20),
        ("1g", 1 << 30),
        ("1G", 1 << 30),
        ("2Gi", 2 << 30),
        ("64k", 64 << 10),
        ("1T", 1 << 40),
        ("100MB", 100_000_000),
        ("1GB", 1_000_000_000),
        (" 8M ", 8 << 20),
    ];
    for (text, want) in ok {
        assert_eq!(parse_memory(text), Ok(*want), "{text}");
    }
    for bad in [
        "",
        "M",
        "0",
        "0M",
        "1.5G",
        "-1",
        "12 apples",
        "1Q",
        "99999999999T",
    ] {
        assert!(parse_memory(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn cgroup_v2_memory_max() {
    let table: &[(&str, Option<u64>)] = &[
        ("max\n", None),
        ("268435456\n", Some(268_435_456)),
        ("536870912", Some(512 << 20)),
        ("0\n", None),
        ("", None),
        ("garbage", None),
    ];
    for (text, want) in table {
        assert_eq!(parse_memory_max(text), *want, "{text:?}");
    }
}

#[test]
fn cgroup_v1_memory_limit() {
    let table: &[(&str, Option<u64>)] = &[
        ("9223372036854771712\n", None), // the kernel's "unlimited", page-rounded
        ("-1\n", None),
        ("268435456\n", Some(256 << 20)),
        ("", None),
    ];
    for (text, want) in table {
        assert_eq!(parse_memory_limit_v1(text), *want, "{text:?}");
    }
}

#[test]
fn cgroup_v2_cpu_max() {
    let table: &[(&str, Option<usize>)] = &[
        ("max 100000\n", None),
        ("max", None),
        ("100000 100000\n", Some(1)),
        ("200000 100000\n", Some(2)),
        ("150000 100000\n", Some(2)), // 1.5 CPUs: two threads
        ("50000 100000\n", Some(1)),
        ("400000\n", Some(4)), // the period defaults to 100 ms
        ("1600000 100000", Some(16)),
        ("0 100000", None),
        ("", None),
        ("x 100000", None),
    ];
    for (text, want) in table {
        assert_eq!(parse_cpu_max(text), *want, "{text:?}");
    }
}

#[test]
fn cgroup_v1_cfs_quota() {
    let table: &[((&str, &str), Option<usize>)] = &[
        (("-1\n", "100000\n"), None),
        (("200000\n", "100000\n"), Some(2)),
        (("250000", "100000"), Some(3)),
        (("100000", "0"), None),
        (("", "100000"), None),
    ];
    for ((quota, period), want) in table {
        assert_eq!(parse_cfs_v1(quota, period), *want, "{quota:?} {period:?}");
    }
}

/// Writes `files` (path, contents) under a new temporary directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn reads_a_v2_container_with_its_own_namespace() {
    let root = tree(&[
        ("cgroup.controllers", "cpu memory\n"),
        ("memory.max", "268435456\n"),
        ("cpu.max", "200000 100000\n"),
    ]);
    let got = Cgroup::read_at(root.path(), "0::/\n");
    assert_eq!(
        got,
        Cgroup {
            memory: Some(256 << 20),
            cpus: Some(2)
        }
    );
}

#[test]
fn reads_the_tightest_limit_of_a_v2_path_and_its_parents() {
    let root = tree(&[
        ("cgroup.controllers", "cpu memory\n"),
        ("kubepods/memory.max", "1073741824\n"),
        ("kubepods/cpu.max", "max 100000\n"),
        ("kubepods/pod1/memory.max", "max\n"),
        ("kubepods/pod1/cpu.max", "300000 100000\n"),
        ("kubepods/pod1/c1/memory.max", "max\n"),
    ]);
    let got = Cgroup::read_at(root.path(), "0::/kubepods/pod1/c1\n");
    assert_eq!(
        got,
        Cgroup {
            memory: Some(1 << 30),
            cpus: Some(3)
        }
    );
    // No limit anywhere: none.
    let free = tree(&[("cgroup.controllers", ""), ("a/memory.max", "max\n")]);
    assert_eq!(Cgroup::read_at(free.path(), "0::/a\n"), Cgroup::default());
}

#[test]
fn reads_v1_controllers() {
    let root = tree(&[
        ("memory/docker/x/memory.limit_in_bytes", "536870912\n"),
        ("memory/memory.limit_in_bytes", "9223372036854771712\n"),
        ("cpu,cpuacct/docker/x/cpu.cfs_quota_us", "150000\n"),
        ("cpu,cpuacct/docker/x/cpu.cfs_period_us", "100000\n"),
    ]);
    let own = "12:memory:/docker/x\n4:cpu,cpuacct:/docker/x\n1:name=systemd:/docker/x\n";
    assert_eq!(
        Cgroup::read_at(root.path(), own),
        Cgroup {
            memory: Some(512 << 20),
            cpus: Some(2)
        }
    );
    // Inside the container's namespace the paths read `/`.
    let ns = tree(&[("memory/memory.limit_in_bytes", "268435456\n")]);
    assert_eq!(
        Cgroup::read_at(ns.path(), "12:memory:/\n").memory,
        Some(256 << 20)
    );
    // No cgroup file system at all.
    let empty = tree(&[]);
    assert_eq!(Cgroup::read_at(empty.path(), ""), Cgroup::default());
}

#[test]
fn an_explicit_budget_wins_over_the_cgroup() {
    let cg = Cgroup {
        memory: Some(512 << 20),
        cpus: Some(2),
    };
    let b = MemoryBudget::resolve(Some(256 << 20), &cg);
    assert_eq!((b.bytes, b.source), (256 << 20, MemorySource::Explicit));
    let b = MemoryBudget::resolve(None, &cg);
    assert_eq!((b.bytes, b.source), (512 << 20, MemorySource::Cgroup));
    let b = MemoryBudget::resolve(None, &Cgroup::default());
    assert_eq!((b.bytes, b.source), (DEFAULT_MEMORY, MemorySource::Default));
    assert_eq!(b.shared(4).bytes, DEFAULT_MEMORY / 4);
    assert_eq!(b.shared(0).bytes, DEFAULT_MEMORY);
}

#[test]
fn threads_follow_the_quota_unless_rayon_is_told() {
    let cg = Cgroup {
        memory: None,
        cpus: Some(3),
    };
    assert_eq!(threads_for(None, &cg), Some(3));
    assert_eq!(threads_for(Some(""), &cg), Some(3));
    assert_eq!(threads_for(Some("64"), &cg), None);
    assert_eq!(threads_for(None, &Cgroup::default()), None);
}

#[test]
fn read_ahead_stays_within_its_share_whatever_the_threads() {
    const MIB: u64 = 1 << 20;
    let block = 4 << 20;
    for memory in [64 * MIB, 256 * MIB, 512 * MIB, 1 << 30, 8 << 30] {
        for threads in [1, 2, 4, 16, 64, 96, 256] {
            let r = read_ahead(memory, block, threads);
            let held = (r.block * r.blocks) as u64;
            assert!(r.blocks >= MIN_BLOCKS && r.blocks <= 2 * threads.max(1));
            assert!(r.block <= block && r.block >= MIN_BLOCK);
            // Within the share, except for the floor of MIN_BLOCKS blocks.
            assert!(
                held <= (memory / READ_AHEAD_SHARE).max((MIN_BLOCKS * MIN_BLOCK) as u64),
                "{memory} {threads}: {r:?}"
            );
        }
    }
    // Room for two blocks a thread: unchanged.
    assert_eq!(
        read_ahead(1 << 30, block, 16),
        ReadAhead { block, blocks: 32 }
    );
    // A tiny budget still reads: two blocks.
    assert_eq!(
        read_ahead(MIB, block, 64),
        ReadAhead {
            block: MIN_BLOCK,
            blocks: 2
        }
    );
    // Blocks smaller than the floor are left alone.
    assert_eq!(
        read_ahead(MIB, 64 << 10, 64),
        ReadAhead {
            block: 64 << 10,
            blocks: 4
        }
    );
}
