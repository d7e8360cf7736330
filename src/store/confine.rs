//! Keeping a step's writes and deletes inside its work prefix on the local
//! file system.
//!
//! Object stores have no links, but a local work directory can hold
//! symlinks: `count-output -> /elsewhere` would make split empty
//! `/elsewhere` and count write into it. A location derived from a
//! [confined](super::Location::confined) work prefix refuses to write, delete
//! or list through a symlink anywhere below that prefix. The prefix itself
//! may be reached through links (`/mnt/vol` mounted anywhere): the user chose
//! it.

use crate::error::{Error, Result};
use std::path::Path;

/// Refuses `target` when a component of it below `root` (the target
/// included) is a symbolic link. Components that do not exist yet are
/// fine: the store creates them as plain directories.
pub(super) fn refuse_symlinks_below(root: &Path, target: &Path, url: &str) -> Result<()> {
    let Ok(below) = target.strip_prefix(root) else {
        return Err(Error::invalid(
            "work location",
            format!("{url} lies outside its work prefix {}", root.display()),
        ));
    };
    let mut at = root.to_path_buf();
    for component in below.components() {
        at.push(component);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::invalid(
                    "work location",
                    format!(
                        "{} is a symbolic link inside the work prefix {}; steps never follow links out of it (for {url})",
                        at.display(),
                        root.display()
                    ),
                ))
            }
            Ok(_) => {}
            // Not there yet (the store makes plain directories), or not
            // reachable at all: the store's own call reports that, with context.
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_below_the_root_are_refused_and_the_root_itself_may_be_one() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(real.join("count-output")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("root-link")).unwrap();
        std::os::unix::fs::symlink(&outside, real.join("split-output")).unwrap();
        std::os::unix::fs::symlink(&outside, real.join("count-output/x")).unwrap();

        let ok = |root: &Path, rel: &str| refuse_symlinks_below(root, &root.join(rel), rel);
        assert!(ok(&real, "count-output/0.json").is_ok());
        assert!(ok(&real, "not-yet/made/0.json").is_ok());
        let root_link = dir.path().join("root-link");
        assert!(ok(&root_link, "count-output/0.json").is_ok());
        for rel in [
            "split-output",
            "split-output/0.txt",
            "count-output/x/0.json",
        ] {
            let e = ok(&real, rel).unwrap_err();
            assert!(!e.is_transient(), "{rel}: {e}");
            assert!(e.to_string().contains("symbolic link"), "{rel}: {e}");
        }
        assert!(refuse_symlinks_below(&real, &outside, "x").is_err());
    }
}
