//! Names and links: paths with spaces, non-ASCII and `%` are the files they
//! name; a URL is decoded once; no step follows a link out of its work
//! prefix or deletes what it did not write.

use super::{fails, ok, run, snapshot, stderr, step, Sandbox, LOG, LOG_RESULT};
use std::path::Path;

/// `logcount run` over `input` into `work`, keywords from `keywords`.
fn run_job(input: &str, work: &str, extra: &[&str]) -> std::process::Output {
    run(crate::common::step_binary("logcount", "warn")
        .args(["run", "--parts", "3", "--input", input, "--work", work])
        .args(extra))
}

#[test]
fn plain_paths_with_spaces_non_ascii_and_percent_are_the_files_they_name() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["sp ace", "été", "100% a%20b", "semi;colon#hash?q"] {
        let input = dir.path().join(format!("{name}.log"));
        std::fs::write(&input, LOG).unwrap();
        let keywords = dir.path().join(format!("{name} keywords.txt"));
        std::fs::write(&keywords, "INFO\nERROR\n").unwrap();
        let work = dir.path().join(format!("w {name}"));
        let o = run_job(
            input.to_str().unwrap(),
            work.to_str().unwrap(),
            &["--keywords-file", keywords.to_str().unwrap()],
        );
        assert_eq!(ok(&o), "{\"INFO\":2,\"ERROR\":3}\n", "{name}");
        assert!(
            work.join("result.json").is_file() && work.join("manifest.json").is_file(),
            "{name}: the work directory is the one named, byte for byte"
        );
    }
    let mut dirs: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('w'))
        .collect();
    dirs.sort();
    assert_eq!(
        dirs,
        ["w 100% a%20b", "w semi;colon#hash?q", "w sp ace", "w été"],
        "the work directories named, and no percent-encoded twin"
    );
}

#[test]
fn a_file_url_is_decoded_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a b.log"), LOG).unwrap();
    std::fs::write(dir.path().join("a%20b.log"), b"WARN only\n").unwrap();
    let url = |name: &str| format!("file://{}/{name}", dir.path().display());
    let work = dir.path().join("w");
    let w = work.to_str().unwrap();
    assert_eq!(ok(&run_job(&url("a%20b.log"), w, &[])), LOG_RESULT);
    assert_eq!(
        ok(&run_job(&url("a%2520b.log"), w, &[])),
        "{\"INFO\":0,\"WARN\":1,\"ERROR\":0,\"DEBUG\":0}\n"
    );
}

#[test]
fn a_work_url_whose_segment_decodes_to_a_slash_is_refused_and_writes_nothing() {
    let s = Sandbox::new(LOG);
    let before = snapshot(s.root.path());
    let input = s.work().join("log-count-data.txt");
    for bad in ["a%2Fb", "a%2fb", "x/%2F/y", "a%00b", "a%FFb"] {
        let work = format!("file://{}/{bad}", s.root.path().display());
        let o = run_job(input.to_str().unwrap(), &work, &[]);
        fails(&o, 2, &["invalid location", bad]);
        let o = run(step("logcount-split")
            .env("INPUT", &input)
            .env("WORK_DIR", &work)
            .env("NUM_PARTS", "2"));
        fails(&o, 2, &["invalid location"]);
    }
    assert_eq!(
        snapshot(s.root.path()),
        before,
        "nothing was written or deleted"
    );
    assert!(!Path::new("/manifest.json").exists() && !Path::new("/result.json").exists());
}

/// A directory outside the work prefix holding a file a user keeps.
fn elsewhere(s: &Sandbox) -> std::path::PathBuf {
    let dir = s.path("elsewhere");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("0.json"), b"precious").unwrap();
    std::fs::write(dir.join("notes.txt"), b"precious").unwrap();
    dir
}

#[test]
fn no_step_follows_a_symlink_out_of_the_work_prefix() {
    for link in ["count-output", "count-output/x", "split-output"] {
        let s = Sandbox::new(LOG);
        let outside = elsewhere(&s);
        let link_path = s.work().join(link);
        std::fs::create_dir_all(link_path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&outside, &link_path).unwrap();
        let outside_before = snapshot(&outside);

        let split = |extra: &str| {
            let mut c = step("logcount-split");
            c.env("WORK_DIR", s.work()).env("NUM_PARTS", "2");
            if !extra.is_empty() {
                c.env(extra, "true");
            }
            run(&mut c)
        };
        if link == "split-output" {
            let o = split("MATERIALIZE");
            fails(&o, 2, &["symbolic link", "split-output"]);
        } else {
            let o = split("");
            if link == "count-output" {
                fails(&o, 2, &["symbolic link", "count-output"]);
            } else {
                // A link below count-output is not ours: left alone, never entered.
                let ids: Vec<String> = serde_json::from_str(&ok(&o)).unwrap();
                for id in &ids {
                    ok(&s.count(id));
                }
                assert_eq!(ok(&s.merge()), LOG_RESULT);
                assert!(link_path.is_symlink());
            }
        }
        if link == "count-output" {
            // Made after split: count refuses to write through it.
            let s2 = Sandbox::new(LOG);
            let ids = s2.split(2);
            let _ = std::fs::remove_dir(s2.work().join("count-output"));
            std::os::unix::fs::symlink(&outside, s2.work().join("count-output")).unwrap();
            fails(&s2.count(&ids[0]), 2, &["symbolic link", "count-output"]);
            fails(&s2.merge(), 2, &["symbolic link", "count-output"]);
        }
        assert_eq!(
            snapshot(&outside),
            outside_before,
            "{link}: outside was touched"
        );
    }
}

#[test]
fn split_retires_only_the_files_steps_write() {
    let s = Sandbox::new(LOG);
    let keep = [
        "count-output/README.md",
        "count-output/sub/0.json",
        "count-output/.0.json",
    ];
    for k in keep {
        let p = s.work().join(k);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"mine").unwrap();
    }
    for id in s.split(2) {
        ok(&s.count(&id));
    }
    assert_eq!(ok(&s.merge()), LOG_RESULT);
    s.split(3);
    assert!(
        !s.work().join("count-output/0.json").exists(),
        "the old count outputs went"
    );
    for k in keep {
        assert_eq!(
            std::fs::read(s.work().join(k)).unwrap(),
            b"mine",
            "{k} was deleted"
        );
    }
}

#[test]
fn a_symlink_loop_in_a_dataset_is_bad_input() {
    let s = Sandbox::new(b"");
    let data = s.path("data");
    std::fs::create_dir_all(data.join("d")).unwrap();
    std::fs::write(data.join("a.log"), LOG).unwrap();
    std::os::unix::fs::symlink(&data, data.join("d/loop")).unwrap();
    let o = run(step("logcount-split")
        .env("INPUT", format!("{}/", data.display()))
        .env("WORK_DIR", s.work())
        .env("NUM_PARTS", "2"));
    fails(&o, 2, &["loop"]);
    assert!(!stderr(&o).contains("retry"), "{}", stderr(&o));
}

#[test]
fn a_work_dir_reached_through_a_link_in_the_dataset_is_not_input() {
    let s = Sandbox::new(b"");
    let data = s.path("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("a.log"), LOG).unwrap();
    let work = s.path("work");
    std::fs::create_dir_all(work.join("count-output")).unwrap();
    std::fs::write(work.join("count-output/old.log"), b"ERROR ERROR ERROR\n").unwrap();
    std::os::unix::fs::symlink(&work, data.join("work-link")).unwrap();
    let o = run_job(&format!("{}/", data.display()), work.to_str().unwrap(), &[]);
    assert_eq!(ok(&o), LOG_RESULT);
}
