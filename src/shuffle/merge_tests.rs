use super::*;
use crate::wire::word_run::{encode_end, encode_entry};
use proptest::prelude::*;

/// Chunks of at most `size` bytes from a buffer.
struct Pieces {
    data: Vec<u8>,
    at: usize,
    size: usize,
}

impl Chunks for Pieces {
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        if self.at == self.data.len() {
            return Ok(false);
        }
        let end = (self.at + self.size).min(self.data.len());
        buf.extend_from_slice(&self.data[self.at..end]);
        self.at = end;
        Ok(true)
    }
}

fn file_of(entries: &[(Vec<u8>, u64)], header: Option<&RunHeader>) -> Vec<u8> {
    let mut out = header.map(RunHeader::encode).unwrap_or_default();
    for (w, n) in entries {
        encode_entry(&mut out, w, *n);
    }
    encode_end(
        &mut out,
        entries.len() as u64,
        entries.iter().map(|e| e.1).sum(),
    );
    out
}

fn read_all(data: Vec<u8>, size: usize, header: Option<RunHeader>) -> Result<Vec<(Vec<u8>, u64)>> {
    let mut r = RunReader::new("test", Pieces { data, at: 0, size }, header);
    let mut out = Vec::new();
    let mut w = Vec::new();
    while let Some(n) = r.next_into(&mut w)? {
        out.push((w.clone(), n));
    }
    Ok(out)
}

fn header() -> RunHeader {
    RunHeader {
        job_id: "j".into(),
        part: "0".into(),
        partition: 1,
        reducers: 2,
    }
}

#[test]
fn a_run_reads_back_through_any_chunk_size() {
    let entries: Vec<(Vec<u8>, u64)> = vec![
        (b"a".to_vec(), 3),
        (b"ab".to_vec(), 1),
        (b"b\xff".to_vec(), 7),
        (vec![b'z'; 300], 2),
    ];
    let data = file_of(&entries, Some(&header()));
    for size in [1, 2, 3, 7, 64, 1 << 20] {
        assert_eq!(
            read_all(data.clone(), size, Some(header())).unwrap(),
            entries,
            "{size}"
        );
    }
    // An empty partition: the header and the end line.
    assert_eq!(
        read_all(file_of(&[], Some(&header())), 1, Some(header())).unwrap(),
        []
    );
}

#[test]
fn a_damaged_run_is_an_error_naming_the_line() {
    let entries: Vec<(Vec<u8>, u64)> = vec![(b"a".to_vec(), 3), (b"b".to_vec(), 1)];
    let good = file_of(&entries, None);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() - 1].to_vec(), "ends inside a line"),
        (good[..4].to_vec(), "without its end line"),
        (b"b\t1\na\t3\n\tend 2 4\n".to_vec(), "not sorted"),
        (b"a\t1\na\t3\n\tend 2 4\n".to_vec(), "not sorted"),
        (b"a\t1\nb\t3\n\tend 2 5\n".to_vec(), "end line counts"),
        (b"a\t1\n\tend 1 1\nb\t1\n".to_vec(), "after the end line"),
        (b"A\t1\n\tend 1 1\n".to_vec(), "not a word"),
        (Vec::new(), "without its end line"),
    ];
    for (data, want) in cases {
        for size in [1, 1 << 10] {
            let e = read_all(data.clone(), size, None).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("test"), "{e} (want {want})");
            assert!(e.contains("line "), "{e}");
        }
    }
    let other = RunHeader {
        part: "1".into(),
        ..header()
    };
    let e = read_all(file_of(&entries, Some(&other)), 5, Some(header())).unwrap_err();
    assert!(e.to_string().contains("expected job j part 0"), "{e}");
    let e = read_all(Vec::new(), 5, Some(header())).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

fn naive(runs: &[Vec<(Vec<u8>, u64)>]) -> Vec<(Vec<u8>, u64)> {
    let mut all = std::collections::BTreeMap::new();
    for run in runs {
        for (w, n) in run {
            *all.entry(w.clone()).or_insert(0) += n;
        }
    }
    all.into_iter().collect()
}

proptest! {
    #[test]
    fn merging_runs_sums_them(
        runs in proptest::collection::vec(
            proptest::collection::btree_map(proptest::collection::vec(b'a'..b'e', 1..4), 1u64..9, 0..20),
            0..6,
        ),
        size in 1usize..9,
    ) {
        let runs: Vec<Vec<(Vec<u8>, u64)>> = runs.into_iter().map(|m| m.into_iter().collect()).collect();
        // Half the runs from memory, half read from files, a few bytes at a time.
        let files: Vec<Vec<u8>> = runs.iter().map(|r| file_of(r, None)).collect();
        let mut sources: Vec<Box<dyn SortedRun>> = Vec::new();
        for (i, r) in runs.iter().enumerate() {
            if i % 2 == 0 {
                sources.push(Box::new(SliceRun::new(r)));
            } else {
                sources.push(Box::new(RunReader::new("f", Pieces { data: files[i].clone(), at: 0, size }, None)));
            }
        }
        let mut out = Vec::new();
        let n = merge_runs(sources, |w, c| {
            out.push((w.to_vec(), c));
            Ok(())
        }).unwrap();
        let want = naive(&runs);
        prop_assert_eq!(n as usize, want.len());
        prop_assert_eq!(out, want);
    }
}
