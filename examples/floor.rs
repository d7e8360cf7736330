//! The floor for the count pipeline: one newline-count pass over a file with
//! N threads (default 2), each `pread`ing 1 MiB blocks into one reused buffer.
//! Nothing can count keywords in a file faster than it can read it like this,
//! so `workloads/bench.sh` quotes `logcount run` as a ratio to this.
//!
//! Usage: `cargo run --release --example floor -- FILE [THREADS] [BLOCK]`

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: floor FILE [THREADS] [BLOCK]");
    let threads: usize = args.next().map_or(2, |s| s.parse().expect("THREADS"));
    let block: usize = args.next().map_or(1 << 20, |s| s.parse().expect("BLOCK"));
    let file = File::open(&path)?;
    let len = file.metadata()?.len();
    let next = AtomicU64::new(0);
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut buf = vec![0u8; block];
                    let mut lines = 0u64;
                    loop {
                        let at = next.fetch_add(block as u64, Ordering::Relaxed);
                        if at >= len {
                            return lines;
                        }
                        let want = (len - at).min(block as u64) as usize;
                        file.read_exact_at(&mut buf[..want], at).expect("pread");
                        lines += logcount::engine::count_newlines(&buf[..want]);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    println!("{total}");
    Ok(())
}
