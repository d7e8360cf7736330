//! Retiring an earlier job's outputs from a work prefix: only the files a
//! step writes, directly in their folder, never anything else a user keeps
//! there, never through a link.

use super::{delete_if_exists, storage, stream_writer, Location};
use crate::error::Result;
use futures::{StreamExt, TryStreamExt};

/// Deletes the objects directly below the prefix `dir` whose file name
/// `is_ours` accepts, and returns how many. Nested objects and other names
/// are left alone. What killed writers left behind goes too: on the local
/// file system their staging files (`<name>#<n>`, which the store's
/// listings hide), on S3/OSS the multipart uploads their journals name
/// (see [`StreamWriter`](super::StreamWriter)). Locally, nothing that is not
/// a regular file is deleted.
///
/// ```
/// # tokio_test_block_on(async {
/// use logcount::store::{retire_own_files, write_once, Stores};
/// let work = Stores::default().open("memory:///w/").unwrap().confined();
/// for name in ["out/0.json", "out/notes.txt", "out/sub/1.json"] {
///     write_once(&work.join(name), "{}").await.unwrap();
/// }
/// let retired = retire_own_files(&work.join("out"), |n| n.ends_with(".json")).await.unwrap();
/// assert_eq!(retired, 1);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Runtime::new().unwrap().block_on(f)
/// # }
/// ```
pub async fn retire_own_files(dir: &Location, is_ours: fn(&str) -> bool) -> Result<usize> {
    dir.check_confined()?;
    if let Some(path) = dir.local_path() {
        return retire_local(&path, is_ours).map_err(|e| {
            storage("deleting", dir)(object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(e),
            })
        });
    }
    let listed = super::list_folder(dir).await?;
    // Uploads an earlier attempt left open, as their journals name them.
    let journals: Vec<_> = listed
        .iter()
        .filter_map(|m| {
            let output = stream_writer::journaled_output(m.location.filename()?)?;
            is_ours(output).then(|| (dir.at(m.location.clone()), dir.join(output)))
        })
        .collect();
    for (journal, output) in &journals {
        match &dir.multipart {
            Some(multipart) => {
                stream_writer::abort_journaled(multipart.as_ref(), journal, output).await?
            }
            None => delete_if_exists(journal).await?,
        }
    }
    let ours: Vec<_> = listed
        .into_iter()
        .filter(|m| m.location.filename().is_some_and(is_ours))
        .collect();
    let n = ours.len() + journals.len();
    futures::stream::iter(ours)
        .map(|m| async move { delete_if_exists(&dir.at(m.location)).await })
        .buffer_unordered(16)
        .try_collect::<()>()
        .await?;
    Ok(n)
}

/// The local side of [`retire_own_files`]: plain directory calls, so that
/// nothing is followed and hidden staging files are seen.
fn retire_local(dir: &std::path::Path, is_ours: fn(&str) -> bool) -> std::io::Result<usize> {
    use std::io::ErrorKind::{NotADirectory, NotFound};
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // Nothing to retire; writing there will tell, with its context.
        Err(e) if matches!(e.kind(), NotFound | NotADirectory) => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut n = 0;
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_ours(without_staging_suffix(&name)) || !entry.file_type()?.is_file() {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => n += 1,
            Err(e) if e.kind() == NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `name` without the `#<digits>` suffix of a staging file (`0.txt#3` →
/// `0.txt`), the suffix both the local object store and the local copy of a
/// part use while writing.
fn without_staging_suffix(name: &str) -> &str {
    match name.rsplit_once('#') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_suffixes_are_recognised() {
        for (name, base) in [
            ("0.txt#1", "0.txt"),
            ("0.txt#123", "0.txt"),
            ("0.txt", "0.txt"),
            ("0.txt#", "0.txt#"),
            ("0.txt#x1", "0.txt#x1"),
            ("a#1#2", "a#1"),
        ] {
            assert_eq!(without_staging_suffix(name), base, "{name}");
        }
    }
}
