//! The local-disk fast path of `split --materialize`: when the input objects
//! and the work directory are all plain files of the local file system store
//! that `Stores` built ([`Location::local_path`]), a part's bytes are copied
//! by the kernel (`copy_file_range`, through `std::io::copy` from a
//! `Take<&File>` to a `File`), never through user space buffers, into a
//! staged file `split-output/<id>.txt#<n>` (the name object_store's own local
//! uploads use, which listings skip). Once every range is copied and every
//! input object still has the ETag split recorded, the staged file is renamed
//! into place: readers see the whole part or none. Any other store (a store a
//! caller registered included, even over the local file system) takes the
//! generic streaming path.

use crate::error::{Error, Result};
use crate::store::{self, Location};
use crate::wire::{Manifest, Part, SPLIT_DIR};
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Copies `part` with the kernel when every piece is local; `None` when the
/// generic path must do it.
pub(super) async fn materialize_part(
    root: &Location,
    manifest: &Manifest,
    work: &Location,
    part: &Part,
) -> Option<Result<()>> {
    let out = work.join(&format!("{SPLIT_DIR}/{}.txt", part.id));
    let dest = out.local_path()?;
    if let Err(e) = out.check_confined() {
        return Some(Err(e));
    }
    let mut pieces = Vec::with_capacity(part.segments.len());
    let mut checks = Vec::new();
    for seg in &part.segments {
        let obj = &manifest.objects[seg.object];
        let loc = match store::object_path(&obj.path) {
            Ok(p) => root.at(p),
            Err(e) => return Some(Err(e)),
        };
        let path = loc.local_path()?;
        // A FIFO or device takes the generic path, which refuses it.
        if !std::fs::metadata(&path).ok()?.is_file() {
            return None;
        }
        pieces.push((path, loc.clone(), seg.start..seg.end));
        checks.push((loc, obj.e_tag.clone()));
    }
    tracing::debug!(
        part = %part.id,
        file = %dest.display(),
        fast_path = "copy_file_range",
        "materializing with kernel copies"
    );
    Some(copy_then_publish(out, dest, pieces, checks).await)
}

async fn copy_then_publish(
    out: Location,
    dest: PathBuf,
    pieces: Vec<(PathBuf, Location, std::ops::Range<u64>)>,
    checks: Vec<(Location, Option<String>)>,
) -> Result<()> {
    let staged = {
        let (out, dest) = (out.clone(), dest.clone());
        tokio::task::spawn_blocking(move || copy_staged(&out, &dest, &pieces))
            .await
            .expect("the copy task panicked")?
    };
    let publish = async {
        for (loc, e_tag) in &checks {
            crate::steps::count::check_unchanged(loc, e_tag.as_deref()).await?;
        }
        std::fs::rename(&staged, &dest).map_err(|e| io_error("writing", &out, e))
    };
    let done = publish.await;
    if done.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    done
}

/// Copies every piece into a new staged file next to `dest`; returns its path.
fn copy_staged(
    out: &Location,
    dest: &Path,
    pieces: &[(PathBuf, Location, std::ops::Range<u64>)],
) -> Result<PathBuf> {
    let (mut file, staged) = create_staged(dest).map_err(|e| io_error("writing", out, e))?;
    let copied = (|| {
        for (path, loc, range) in pieces {
            let src = File::open(path).map_err(|e| io_error("reading", loc, e))?;
            (&src)
                .seek(SeekFrom::Start(range.start))
                .map_err(|e| io_error("reading", loc, e))?;
            let want = range.end - range.start;
            let got = std::io::copy(&mut std::io::Read::take(&src, want), &mut file)
                .map_err(|e| io_error("copying", loc, e))?;
            if got != want {
                return Err(Error::InputChanged {
                    url: loc.url.to_string(),
                    was: format!("at least {} bytes", range.end),
                    now: format!("{} bytes from offset {}", got, range.start),
                });
            }
        }
        Ok(())
    })();
    match copied {
        Ok(()) => Ok(staged),
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            Err(e)
        }
    }
}

/// Creates `<dest>#<n>` for the first free `n`, making parent directories.
fn create_staged(dest: &Path) -> std::io::Result<(File, PathBuf)> {
    for n in 1u32.. {
        let mut name = dest.as_os_str().to_owned();
        name.push(format!("#{n}"));
        let path = PathBuf::from(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let dir = dest.parent().expect("an output file has a parent");
                std::fs::create_dir_all(dir)?;
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 staged names exhausted")
}

fn io_error(op: &'static str, loc: &Location, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound && op == "reading" {
        return store::storage_error(
            op,
            loc,
            object_store::Error::NotFound {
                path: loc.path.to_string(),
                source: Box::new(e),
            },
        );
    }
    store::storage_error(
        op,
        loc,
        object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(e),
        },
    )
}
