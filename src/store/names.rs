//! Names: user-given locations (plain paths and URLs) to URLs, URLs to
//! object paths and back. A plain path is the file it names, byte for
//! byte; a URL's path segments are percent-decoded exactly once.

use crate::error::{Error, Result};
use object_store::path::Path;
use url::Url;

/// The URL of `path` in the store that `base` belongs to.
pub(super) fn url_of(base: &Url, path: &Path) -> Url {
    let mut u = base.clone();
    u.set_path("/");
    // Each segment percent-encoded (a `%` in a name included), so that
    // resolving the URL again decodes it back to `path`.
    u.path_segments_mut()
        .expect("store URLs have a path")
        .pop_if_empty()
        .extend(path.parts());
    u
}

/// Turns a user-given location (a URL, or a local path, relative or
/// absolute) into a URL.
///
/// ```
/// use logcount::store::parse_location;
/// assert_eq!(parse_location("s3://b/k").unwrap().as_str(), "s3://b/k");
/// assert_eq!(parse_location("/mnt/vol").unwrap().as_str(), "file:///mnt/vol");
/// assert!(parse_location("").is_err());
/// ```
pub fn parse_location(given: &str) -> Result<Url> {
    let bad = |reason: &str| Error::BadLocation {
        given: given.to_string(),
        reason: reason.to_string(),
    };
    if given.is_empty() {
        return Err(bad("empty"));
    }
    if given.contains("://") {
        let url = Url::parse(given).map_err(|e| bad(&e.to_string()))?;
        return match url.scheme() {
            "file" | "memory" | "s3" | "s3a" | "oss" => Ok(url),
            other => Err(bad(&format!(
                "unsupported scheme {other}:// (use a path, file://, s3:// or oss://)"
            ))),
        };
    }
    let path = normalize(&std::path::absolute(given).map_err(|e| bad(&e.to_string()))?);
    let dir = given.ends_with('/');
    let mut url = Url::from_file_path(&path).map_err(|_| bad("not an absolute path"))?;
    if dir && !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

/// Removes `.` and `..` components without touching the file system
/// (object paths cannot hold them).
fn normalize(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The non-empty, still percent-encoded, segments of a URL's path.
pub(super) fn url_segments(url: &Url) -> impl Iterator<Item = &str> {
    url.path().split('/').filter(|s| !s.is_empty())
}

/// The object path of a URL's segments after the first `depth`, each one
/// percent-decoded exactly once. A segment that decodes to something no
/// object path segment may be (`/` from `%2F`, `..`, a control character,
/// bytes that are not UTF-8) is refused rather than reinterpreted.
pub(super) fn decoded_path(url: &Url, depth: usize) -> std::result::Result<Path, String> {
    let decoded = url_segments(url)
        .skip(depth)
        .map(|raw| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .map(|s| (raw, s))
                .map_err(|_| format!("path segment {raw:?} is not UTF-8 once decoded"))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    decoded
        .iter()
        .map(|(raw, segment)| {
            object_store::path::PathPart::parse(segment).map_err(|_| {
                format!("path segment {raw:?} decodes to {segment:?}, which cannot name an object or directory")
            })
        })
        .collect()
}
