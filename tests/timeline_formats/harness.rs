//! Datasets, the Python oracle and the `logcount` binary: run, compare, explain a difference.

use super::*;

/// An object of a dataset and what the oracle is told about it.
pub(super) struct Obj {
    /// Its key under the dataset's folder.
    pub(super) name: String,
    /// A format name of the contract, a pattern, or "none".
    pub(super) format: String,
    /// null (the format's own place), a field number, or "json:KEY".
    pub(super) field: Value,
    pub(super) data: Vec<u8>,
    /// Last-modified time (epoch seconds).
    pub(super) mtime: i64,
}

/// Last-modified time of objects whose test does not care: late 2024, so a
/// yearless object of 2024 gets 2024.
pub(super) fn default_mtime() -> i64 {
    at(2024, 12, 20, 12, 0, 0)
}

pub(super) fn obj(name: &str, format: &str, field: Value, data: Vec<u8>) -> Obj {
    Obj {
        name: name.to_string(),
        format: format.to_string(),
        field,
        data,
        mtime: default_mtime(),
    }
}

impl Obj {
    pub(super) fn mtime(self, mtime: i64) -> Obj {
        Obj { mtime, ..self }
    }
}

/// What one comparison runs with.
#[derive(Clone, Default)]
pub(super) struct Opts {
    pub(super) by: String,
    pub(super) timezone: Option<String>,
    pub(super) year: Option<i32>,
    /// Pass the zone and year as LOGCOUNT_TIMEZONE / LOGCOUNT_YEAR.
    pub(super) via_env: bool,
    /// More flags (`--time-format`, `--time-field`).
    pub(super) args: Vec<String>,
    pub(super) env: Vec<(String, String)>,
}

pub(super) fn by(unit: &str) -> Opts {
    Opts {
        by: unit.to_string(),
        ..Opts::default()
    }
}

impl Opts {
    pub(super) fn tz(mut self, zone: &str) -> Opts {
        self.timezone = Some(zone.to_string());
        self
    }
    pub(super) fn year(mut self, year: i32) -> Opts {
        self.year = Some(year);
        self
    }
    pub(super) fn via_env(mut self) -> Opts {
        self.via_env = true;
        self
    }
    pub(super) fn arg(mut self, flag: &str, value: &str) -> Opts {
        self.args.push(flag.to_string());
        self.args.push(value.to_string());
        self
    }
    pub(super) fn env(mut self, key: &str, value: &str) -> Opts {
        self.env.push((key.to_string(), value.to_string()));
        self
    }
    pub(super) fn describe(&self) -> String {
        let mut s = format!("--by {}", self.by);
        if let Some(z) = &self.timezone {
            write!(s, " timezone {z}").unwrap();
        }
        if let Some(y) = self.year {
            write!(s, " year {y}").unwrap();
        }
        if self.via_env {
            s.push_str(" (from the environment)");
        }
        for a in &self.args {
            write!(s, " {a:?}").unwrap();
        }
        for (k, v) in &self.env {
            write!(s, " {k}={v:?}").unwrap();
        }
        s
    }
}

/// Objects written to a temporary folder: one file as the input, or the
/// folder (`dir/`) as one dataset.
pub(super) struct Dataset {
    pub(super) root: tempfile::TempDir,
    pub(super) input: String,
    pub(super) objs: Vec<(PathBuf, Obj)>,
    pub(super) runs: Cell<u32>,
}

/// Lines as the contract splits them (a final empty piece is no line).
pub(super) fn lines_of(data: &[u8]) -> u64 {
    let n = data.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Non-overlapping occurrences, left to right (`bytes.count`).
pub(super) fn occurrences(hay: &[u8], needle: &[u8]) -> u64 {
    let (mut i, mut n) = (0, 0);
    while i + needle.len() <= hay.len() {
        if &hay[i..i + needle.len()] == needle {
            n += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    n
}

impl Dataset {
    pub(super) fn file(o: Obj) -> Dataset {
        let mut d = Dataset::dir(vec![o]);
        d.input = d.objs[0].0.to_str().unwrap().to_string();
        d
    }

    pub(super) fn dir(objs: Vec<Obj>) -> Dataset {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("in");
        let mut written = Vec::new();
        for o in objs {
            let path = folder.join(&o.name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &o.data).unwrap();
            let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(o.mtime as u64);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(mtime)
                .unwrap();
            written.push((path, o));
        }
        Dataset {
            input: format!("{}/", folder.to_str().unwrap()),
            root,
            objs: written,
            runs: Cell::new(0),
        }
    }

    pub(super) fn next_id(&self) -> u32 {
        self.runs.set(self.runs.get() + 1);
        self.runs.get()
    }

    /// The oracle's timeline.json, after checking that it accounts for every
    /// line and keyword of the dataset.
    pub(super) fn oracle(&self, o: &Opts) -> Value {
        let objects: Vec<Value> = self
            .objs
            .iter()
            .map(|(path, obj)| {
                json!({"path": path, "format": obj.format, "field": obj.field, "mtime": obj.mtime})
            })
            .collect();
        let spec = json!({"by": o.by, "keywords": KEYWORDS, "timezone": o.timezone,
            "year": o.year, "objects": objects});
        let spec_path = self
            .root
            .path()
            .join(format!("spec{}.json", self.next_id()));
        std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
        let out = std::process::Command::new("python3")
            .arg(repo_root().join("tests/oracle/timeline_formats.py"))
            .arg(&spec_path)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "oracle failed on {spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want: Value = serde_json::from_slice(&out.stdout).unwrap();
        let lines: u64 = self.objs.iter().map(|(_, o)| lines_of(&o.data)).sum();
        let (sum_lines, sums) = totals(&want);
        assert_eq!(sum_lines, lines, "the oracle counts every line once");
        for (i, k) in KEYWORDS.iter().enumerate() {
            let n: u64 = self
                .objs
                .iter()
                .map(|(_, o)| occurrences(&o.data, k.as_bytes()))
                .sum();
            assert_eq!(sums[i], n, "the oracle's {k} total");
        }
        want
    }

    /// `logcount run` on the dataset; its timeline.json, after checking that
    /// it adds up to result.json.
    pub(super) fn run(&self, o: &Opts, parts: usize, block: Option<usize>) -> Value {
        let work = self.root.path().join(format!("work{}", self.next_id()));
        let mut c = step_binary("logcount", "warn");
        c.arg("run")
            .arg("--input")
            .arg(&self.input)
            .arg("--work")
            .arg(&work)
            .args(["--parts", &parts.to_string(), "--jobs", "2", "-q"])
            .args(["--by", &o.by]);
        if let Some(b) = block {
            c.args(["--block-size", &b.to_string()]);
        }
        match (&o.timezone, o.via_env) {
            // `=`: a negative offset (`-0700`) is not taken for a flag.
            (Some(z), false) => {
                c.arg(format!("--timezone={z}"));
            }
            (Some(z), true) => {
                c.env("LOGCOUNT_TIMEZONE", z);
            }
            (None, _) => {}
        }
        match (o.year, o.via_env) {
            (Some(y), false) => {
                c.arg(format!("--year={y}"));
            }
            (Some(y), true) => {
                c.env("LOGCOUNT_YEAR", y.to_string());
            }
            (None, _) => {}
        }
        c.args(&o.args);
        for (k, v) in &o.env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        ok(&out);
        let got: Value =
            serde_json::from_slice(&std::fs::read(work.join("timeline.json")).unwrap()).unwrap();
        let result: Value =
            serde_json::from_slice(&std::fs::read(work.join("result.json")).unwrap()).unwrap();
        let (_, sums) = totals(&got);
        for (i, k) in KEYWORDS.iter().enumerate() {
            assert_eq!(
                Some(sums[i]),
                result[k].as_u64(),
                "{k}: timeline.json vs result.json"
            );
        }
        got
    }

    /// Runs `o` with each (parts, block size) and compares with the oracle;
    /// returns the oracle's timeline.
    pub(super) fn check(&self, o: &Opts, shapes: &[Split]) -> Value {
        let want = self.oracle(o);
        for &(parts, block) in shapes {
            let got = self.run(o, parts, block);
            assert!(
                got == want,
                "{}: {}, {parts} parts, block {block:?}: timeline.json differs from the oracle\n{}",
                self.input,
                o.describe(),
                diff(&got, &want)
            );
        }
        want
    }
}

/// Lines and keyword counts summed over the buckets and untimed.
pub(super) fn totals(t: &Value) -> (u64, [u64; 4]) {
    let mut entries: Vec<&Value> = t["buckets"].as_array().expect("buckets").iter().collect();
    entries.push(&t["untimed"]);
    let mut lines = 0;
    let mut sums = [0; 4];
    for e in entries {
        lines += e["lines"].as_u64().expect("lines");
        for (i, k) in KEYWORDS.iter().enumerate() {
            sums[i] += e["counts"][k].as_u64().expect("a count per keyword");
        }
    }
    (lines, sums)
}

/// A short account of how two timelines differ.
pub(super) fn diff(got: &Value, want: &Value) -> String {
    let mut out = String::new();
    for k in ["version", "by", "keywords", "untimed"] {
        if got[k] != want[k] {
            writeln!(out, "{k}: got {} want {}", got[k], want[k]).unwrap();
        }
    }
    let index = |v: &Value| -> BTreeMap<String, Value> {
        v["buckets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|b| (b["start"].as_str().unwrap_or("?").to_string(), b.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (g, w) = (index(got), index(want));
    let starts: BTreeSet<&String> = g.keys().chain(w.keys()).collect();
    let mut differing = 0;
    for s in starts {
        if g.get(s) != w.get(s) {
            if differing < 8 {
                let show = |m: &BTreeMap<String, Value>| {
                    m.get(s)
                        .map(|b| format!("{} {}", b["lines"], b["counts"]))
                        .unwrap_or_else(|| "none".into())
                };
                writeln!(out, "bucket {s}: got {} want {}", show(&g), show(&w)).unwrap();
            }
            differing += 1;
        }
    }
    writeln!(
        out,
        "{differing} buckets differ; got {} buckets, want {}",
        g.len(),
        w.len()
    )
    .unwrap();
    if differing == 0 && got["buckets"] != want["buckets"] {
        out.push_str("the same buckets in another order, or repeated\n");
    }
    out
}

pub(super) fn buckets(t: &Value) -> usize {
    t["buckets"].as_array().unwrap().len()
}

pub(super) fn untimed(t: &Value) -> u64 {
    t["untimed"]["lines"].as_u64().unwrap()
}

/// Detection of one format on one generated object: the oracle's timeline
/// against logcount's for each (unit, parts, block size); every run must
/// see several buckets and some untimed lines.
pub(super) fn detected(
    seed: u64,
    format: &str,
    field: Value,
    line: Line,
    segments: &[(i64, i64, usize)],
    shape: Shape,
    runs: &[(&str, &[Split])],
) {
    let data = log(seed, line, segments, shape);
    let d = Dataset::file(obj(&format!("{format}.log"), format, field, data));
    for &(unit, shapes) in runs {
        let want = d.check(&by(unit), shapes);
        assert!(buckets(&want) >= 2, "{format} --by {unit}: too few buckets");
        assert!(untimed(&want) > 0, "{format}: the continuation lines");
    }
}

/// Parts and read block size (`None`: the default) of one run.
pub(super) type Split = (usize, Option<usize>);

pub(super) const P1: Split = (1, DEFAULT_BLOCK);
pub(super) const P3: Split = (3, SMALL_BLOCK);
pub(super) const P7: Split = (7, SMALL_BLOCK);
pub(super) const P3_DEFAULT: Split = (3, DEFAULT_BLOCK);
pub(super) const P7_DEFAULT: Split = (7, DEFAULT_BLOCK);
