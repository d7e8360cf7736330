//! Odd inputs: hostile keyword lists, NUL bytes, inputs that are not
//! regular files, and a 2 GiB line counted in bounded memory.

use super::{fails, ok, run, run_within, stderr, step, Sandbox, LOG};
use logcount::engine::reference::count_one;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[test]
fn hostile_keywords() {
    let s = Sandbox::new(LOG);
    let split = |envs: &[(&str, &Path)], kw: Option<&str>| {
        let mut c = step("logcount-split");
        c.env("WORK_DIR", s.work());
        if let Some(k) = kw {
            c.env("KEYWORDS", k);
        }
        for (k, v) in envs {
            c.env(k, v);
        }
        run(&mut c)
    };
    // Lists (cli.rs has an empty item, a duplicate and a newline).
    fails(
        &split(&[], Some("")),
        2,
        &["invalid keywords", "keyword #1 is empty"],
    );
    fails(&split(&[], Some(",")), 2, &["keyword #1 is empty"]);
    fails(&split(&[], Some("a,b\r")), 2, &["keyword #2", "line break"]);
    fails(
        &split(&[], Some(&"x".repeat(5000))),
        2,
        &["keyword #1 is 5000 bytes long"],
    );
    let err = stderr(&split(&[], Some("INFO,INFO")));
    assert_eq!(err.matches("given twice").count(), 1, "said once: {err}");

    // Keywords files.
    let files: &[(&str, &[u8], &[&str])] = &[
        ("empty.txt", b"", &["empty.txt", "no keywords given"]),
        ("newline.txt", b"\n", &["no keywords given"]),
        (
            "blank-line.txt",
            b"INFO\n\nWARN\n",
            &["blank-line.txt", "keyword #2 is empty"],
        ),
        (
            "dup.txt",
            b"INFO\r\nWARN\nINFO\n",
            &["dup.txt", "\"INFO\" is given twice (#1 and #3)"],
        ),
        ("cr.txt", b"IN\rFO\n", &["cr.txt", "line break"]),
        (
            "latin1.txt",
            b"caf\xe9\n",
            &["latin1.txt", "not valid UTF-8"],
        ),
    ];
    for (name, body, needles) in files {
        std::fs::write(s.path(name), body).unwrap();
        fails(
            &split(&[("KEYWORDS_FILE", &s.path(name))], None),
            2,
            needles,
        );
    }
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("none.txt"))], None),
        2,
        &["keywords file", "none.txt", "does not exist"],
    );
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("a"))], None),
        2,
        &["keywords file", "does not exist"],
    );
    nix_mkfifo(&s.path("kw.fifo"));
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("kw.fifo"))], None),
        2,
        &["kw.fifo", "FIFO"],
    );
    // Both at once is a usage error.
    std::fs::write(s.path("ok.txt"), b"INFO\n").unwrap();
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("ok.txt"))], Some("WARN")),
        2,
        &["cannot be used with"],
    );
    // Nothing was split by any refused run.
    assert!(!s.work().join("manifest.json").exists());
}

#[test]
fn nul_bytes_are_counted_like_any_byte() {
    let mut data = Vec::new();
    for i in 0..5000u32 {
        data.extend_from_slice(match i % 5 {
            0 => b"\0\0INFO\0ERR\0R\n" as &[u8],
            1 => b"\0",
            2 => b"ERROR\0\0\0\n",
            3 => b"plain line\n",
            _ => b"\0\n",
        });
    }
    let s = Sandbox::new(&data);
    std::fs::write(s.path("kw.txt"), b"\0\nERR\0R\nINFO\n\0\0\n").unwrap();
    let ids: Vec<String> = serde_json::from_str(&ok(&run(step("logcount-split")
        .env("WORK_DIR", s.work())
        .env("NUM_PARTS", "7")
        .env("KEYWORDS_FILE", s.path("kw.txt")))))
    .unwrap();
    for id in &ids {
        ok(&s.count(id));
    }
    let want: Vec<u64> = [&b"\0"[..], b"ERR\0R", b"INFO", b"\0\0"]
        .iter()
        .map(|k| count_one(&data, k))
        .collect();
    let expected = format!(
        "{{\"\\u0000\":{},\"ERR\\u0000R\":{},\"INFO\":{},\"\\u0000\\u0000\":{}}}\n",
        want[0], want[1], want[2], want[3]
    );
    assert_eq!(ok(&s.merge()), expected);
}

fn nix_mkfifo(path: &Path) {
    let st = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(st.success());
}

#[test]
fn inputs_that_are_directories_fifos_devices_or_unreadable() {
    let s = Sandbox::new(b"");
    let split = |input: &Path, work: &str| {
        run_within(
            step("logcount-split")
                .env("WORK_DIR", s.path(work))
                .env("INPUT", input)
                .env("NUM_PARTS", "3"),
            Duration::from_secs(20),
        )
    };
    let count_all = |work: &str, ids: &[String]| {
        for id in ids {
            ok(&run(step("logcount-count")
                .env("WORK_DIR", s.path(work))
                .env("PART_ID", id)));
        }
        ok(&run(step("logcount-merge").env("WORK_DIR", s.path(work))))
    };
    // A directory, with or without a final '/', is a dataset: every regular
    // file below it, in path order; its own work prefix is left out, and a
    // FIFO inside is skipped (the local store lists regular files only).
    let d = s.path("logs");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("a.log"), b"INFO\nWARN\n").unwrap();
    std::fs::write(d.join("sub/b.log"), b"ERROR ERROR\nno newline INFO").unwrap();
    nix_mkfifo(&d.join("pipe.log"));
    for given in [d.clone(), PathBuf::from(format!("{}/", d.display()))] {
        let work = "logs/w";
        for _ in 0..2 {
            // Twice: the second split must not count the first one's work files.
            let ids: Vec<String> = serde_json::from_str(&ok(&split(&given, work))).unwrap();
            assert_eq!(
                count_all(work, &ids),
                "{\"INFO\":2,\"WARN\":1,\"ERROR\":2,\"DEBUG\":0}\n",
                "{given:?}"
            );
        }
    }
    // An empty directory; a missing one.
    std::fs::create_dir_all(s.path("empty")).unwrap();
    fails(
        &split(&s.path("empty"), "w3"),
        2,
        &["input", "empty", "does not exist"],
    );
    fails(
        &split(&s.path("nowhere/"), "w3"),
        2,
        &["input", "nowhere", "does not exist"],
    );
    // A FIFO: refused at once, not waited on.
    nix_mkfifo(&s.path("in.fifo"));
    fails(
        &split(&s.path("in.fifo"), "w3"),
        2,
        &["in.fifo", "FIFO, socket or device"],
    );
    // Devices: /dev/null would be empty, /dev/zero endless.
    for dev in ["/dev/null", "/dev/zero"] {
        fails(
            &split(Path::new(dev), "w3"),
            2,
            &[dev, "FIFO, socket or device"],
        );
    }
    assert!(!s.path("w3/manifest.json").exists());

    // Unreadable: the local store reports permission denied as a storage
    // failure (exit 1), naming the file. As root, mode 000 does not stop
    // reads, so the split runs as user nobody (setpriv) when the test is root.
    let f = s.path("secret.log");
    std::fs::write(&f, b"INFO\n").unwrap();
    let mut as_nobody = step("logcount-split");
    if is_root() {
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("SKIPPED: unreadable input: running as root without setpriv");
            return;
        }
        use std::os::unix::fs::PermissionsExt;
        for p in [s.root.path(), &s.path("a"), &s.path("a/b")] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(s.work(), std::fs::Permissions::from_mode(0o777)).unwrap();
        as_nobody = Command::new("setpriv");
        as_nobody
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_logcount-split"),
            ])
            .env_clear()
            .stdin(Stdio::null());
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    let o = run(as_nobody.env("WORK_DIR", s.work()).env("INPUT", &f));
    fails(&o, 1, &["secret.log", "Permission denied"]);
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Peak resident memory (VmHWM, KiB) of a running child, sampled until it exits.
fn run_measuring_peak(c: &mut Command, dir: &Path) -> (Output, u64) {
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = c
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let t = Instant::now();
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                peak = peak.max(
                    kb.trim()
                        .trim_end_matches(" kB")
                        .trim()
                        .parse()
                        .unwrap_or(0),
                );
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed() < Duration::from_secs(600),
            "still running after 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let o = Output {
        status,
        stdout: std::fs::read(out_path).unwrap(),
        stderr: std::fs::read(err_path).unwrap(),
    };
    (o, peak)
}

/// A 2 GiB file that is one line (no newline at all): split must find no
/// line start past the first cut and give one part the whole line; count
/// must stream it in bounded memory and count exactly, including keywords
/// that straddle read blocks (4 MiB) and the stitcher's line limit (1 MiB).
/// The file is sparse (zeros) with keywords written at chosen offsets, so it
/// takes no disk space and no time to make.
#[test]
fn a_two_gib_single_line_counts_exactly_in_bounded_memory() {
    const SIZE: u64 = 2 << 30;
    let s = Sandbox::new(b"");
    let path = s.work().join("log-count-data.txt");
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(SIZE).unwrap();
    let mib = 1u64 << 20;
    // At the start and the end; across the 1 MiB line limit and the split's
    // aim (1 GiB); and across 4 MiB block edges, split at every byte.
    let mut placed = vec![0, SIZE - 5, mib - 2, (1 << 30) - 3];
    for d in 0..=5 {
        placed.push((2 + d * 37) * 4 * mib - d);
    }
    let others: [(u64, &[u8]); 3] = [(100, b"WARN"), (3 * mib, b"WARN"), (800 * mib - 2, b"INFO")];
    for (at, word) in placed.iter().map(|&p| (p, &b"ERROR"[..])).chain(others) {
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(at)).unwrap();
        f.write_all(word).unwrap();
    }
    drop(f);
    let ids = s.split(2);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.work().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["parts"][0]["bytes"], SIZE,
        "one line: the whole input in part 0"
    );
    assert_eq!(m["parts"][1]["bytes"], 0);
    let t = Instant::now();
    let (o, peak_kib) = run_measuring_peak(
        step("logcount-count")
            .env("WORK_DIR", s.work())
            .env("PART_ID", &ids[0]),
        s.root.path(),
    );
    ok(&o);
    eprintln!(
        "2 GiB single line: count took {:?}, peak RSS {} MiB",
        t.elapsed(),
        peak_kib / 1024
    );
    assert!(
        peak_kib < 512 * 1024,
        "memory is bounded: peak {peak_kib} KiB for a 2 GiB line"
    );
    ok(&s.count(&ids[1]));
    let out = ok(&s.merge());
    assert_eq!(
        out,
        format!(
            "{{\"INFO\":1,\"WARN\":2,\"ERROR\":{},\"DEBUG\":0}}\n",
            placed.len()
        )
    );
}
