//! An input rewritten in place behind the manifest's back, and what killed
//! writers leave behind.

use super::{fails, ok, run, step, Sandbox, LOG, LOG_RESULT};
use std::io::{Seek, Write};

/// Rewrites the input in place: same inode, same size, other bytes, and the
/// old modification time put back (`touch -r`).
fn rewrite_in_place_keeping_size_and_mtime(s: &Sandbox) {
    let path = s.work().join("log-count-data.txt");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(std::io::SeekFrom::Start(0)).unwrap();
    f.write_all(b"WARN").unwrap(); // was "INFO"
    f.set_modified(mtime).unwrap();
    drop(f);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), LOG.len() as u64);
}

#[test]
fn an_input_rewritten_in_place_with_its_size_and_mtime_kept_is_refused() {
    // Before count.
    let s = Sandbox::new(LOG);
    let ids = s.split(2);
    rewrite_in_place_keeping_size_and_mtime(&s);
    fails(
        &s.count(&ids[0]),
        2,
        &["changed since split", "rewritten in place"],
    );

    // After count, before merge.
    let s = Sandbox::new(LOG);
    for id in s.split(2) {
        ok(&s.count(&id));
    }
    rewrite_in_place_keeping_size_and_mtime(&s);
    fails(
        &s.merge(),
        2,
        &["changed since split", "log-count-data.txt"],
    );
}

#[test]
fn a_new_split_removes_the_staging_files_of_killed_writers() {
    let s = Sandbox::new(LOG);
    ok(&run(step("logcount-split")
        .env("WORK_DIR", s.work())
        .env("NUM_PARTS", "2")
        .env("MATERIALIZE", "true")));
    // What a split killed while copying parts, and a count killed while
    // writing its output, leave: hidden `<name>#<n>` staging files.
    let stale = [
        "split-output/0.txt#1",
        "split-output/7.txt#12",
        "count-output/1.json#3",
    ];
    for f in stale {
        let p = s.work().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, vec![b'x'; 1 << 20]).unwrap();
    }
    let keep = s.work().join("split-output/notes#1");
    std::fs::write(&keep, b"mine").unwrap();
    let ids: Vec<String> = serde_json::from_str(&ok(&run(step("logcount-split")
        .env("WORK_DIR", s.work())
        .env("NUM_PARTS", "3")
        .env("MATERIALIZE", "true"))))
    .unwrap();
    for f in stale {
        assert!(!s.work().join(f).exists(), "{f} was left behind");
    }
    assert!(keep.exists(), "a file no step writes was deleted");
    for id in ids {
        ok(&s.count(&id));
    }
    assert_eq!(ok(&s.merge()), LOG_RESULT);
}
