//! The floor for the count pipeline: one newline-count pass over a file with
//! N threads (default 2). Each thread takes one contiguous 1/N of the file
//! and `pread`s it in 1 MiB blocks into one reused, page-aligned buffer, and
//! counts its newlines with `bytecount` (faster than the engine's own count).
//! Nothing can count keywords in a file faster than it can read it like
//! this, so `workloads/bench.sh` quotes the count step and `logcount run` as
//! ratios to it.
//!
//! It is the same pass as the `limit --io read` floor program that the
//! many-core scaling script uses, and times the same: a buffer that starts
//! a few bytes off a page (where the allocator puts a plain 1 MiB `Vec`)
//! would double the kernel's copy time on some machines, and a slower
//! newline count would raise the floor.
//!
//! Usage: `cargo run --release --example floor -- FILE [THREADS] [BLOCK]`

use std::fs::File;
use std::os::unix::fs::FileExt;

const PAGE: usize = 4096;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: floor FILE [THREADS] [BLOCK]");
    let threads: u64 = args.next().map_or(2, |s| s.parse().expect("THREADS"));
    let block: usize = args.next().map_or(1 << 20, |s| s.parse().expect("BLOCK"));
    let file = File::open(&path)?;
    let len = file.metadata()?.len();
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                // Page-aligned cuts, so every read starts on a page.
                let cut = |t: u64| (len * t / threads) / PAGE as u64 * PAGE as u64;
                let (from, to) = (cut(t), if t + 1 == threads { len } else { cut(t + 1) });
                let file = &file;
                s.spawn(move || {
                    let mut raw = vec![0u8; block + PAGE];
                    let start = raw.as_ptr().align_offset(PAGE);
                    let buf = &mut raw[start..start + block];
                    let (mut at, mut lines) = (from, 0u64);
                    while at < to {
                        let want = (to - at).min(block as u64) as usize;
                        file.read_exact_at(&mut buf[..want], at).expect("pread");
                        lines += bytecount::count(&buf[..want], b'\n') as u64;
                        at += want as u64;
                    }
                    lines
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    println!("{total}");
    Ok(())
}
