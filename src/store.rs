//! Storage glue: locations given as URLs or paths, resolved to one shared
//! `Arc<dyn ObjectStore>` per bucket, reads and write-once outputs.
//!
//! Plain paths and `file://` URLs use the local file system; `memory://` an
//! in-process store (tests); `s3://` Amazon S3 or any S3-compatible server,
//! configured by the usual `AWS_*` variables; `oss://` Aliyun OSS through its
//! S3-compatible API (`OSS_*` variables, virtual-hosted addressing). The rest
//! of the code never knows which it has.
//!
//! Every output is written with one `put` (atomic on every backend: the local
//! file system writes a temporary file and renames it), so a reader never sees
//! half a file.

use crate::error::{Error, Result};
use bytes::Bytes;
use object_store::path::Path;
use object_store::registry::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use std::ops::Range;
use std::sync::Arc;
use url::Url;

/// A resolved location: a store and a path in it, plus the URL for messages.
#[derive(Debug, Clone)]
pub struct Location {
    pub store: Arc<dyn ObjectStore>,
    pub path: Path,
    pub url: Url,
}

impl Location {
    /// The location of `name` below this one (a "directory").
    pub fn join(&self, name: &str) -> Location {
        let mut path = self.path.clone();
        for part in name.split('/').filter(|p| !p.is_empty()) {
            path = path.join(part);
        }
        Location {
            store: self.store.clone(),
            url: url_of(&self.url, &path),
            path,
        }
    }

    /// The same store at another path.
    pub fn at(&self, path: Path) -> Location {
        Location {
            store: self.store.clone(),
            url: url_of(&self.url, &path),
            path,
        }
    }

    /// Whether the URL names a prefix (ends with `/`) rather than one object.
    pub fn is_prefix(&self) -> bool {
        self.url.path().ends_with('/')
    }

    /// The URL of the store's root (scheme and bucket).
    pub fn store_url(&self) -> String {
        self.url[..url::Position::BeforePath].to_string() + "/"
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.url.as_str())
    }
}

/// The URL of `path` in the store that `base` belongs to.
fn url_of(base: &Url, path: &Path) -> Url {
    let mut u = base.clone();
    u.set_path(&format!("/{}", path.as_ref()));
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
    let path = std::path::absolute(given).map_err(|e| bad(&e.to_string()))?;
    let dir = given.ends_with('/');
    let mut url = Url::from_file_path(&path).map_err(|_| bad("not an absolute path"))?;
    if dir && !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

/// Resolves URLs to stores, creating one store per bucket (or file system)
/// and sharing it. Tests register in-memory or test-server stores.
#[derive(Debug, Default, Clone)]
pub struct Stores {
    registry: Arc<DefaultObjectStoreRegistry>,
}

impl Stores {
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `store` for every URL below `url` (scheme, bucket and path prefix).
    pub fn register(&self, url: &str, store: Arc<dyn ObjectStore>) {
        let url = Url::parse(url).expect("a valid URL to register");
        self.registry.register(url, store);
    }

    /// Resolves a user-given location (URL or path).
    pub fn open(&self, given: &str) -> Result<Location> {
        let url = parse_location(given)?;
        self.resolve(url, given)
    }

    fn resolve(&self, url: Url, given: &str) -> Result<Location> {
        let (store, path) = self.registry.resolve(&url).map_err(|e| Error::BadLocation {
            given: given.to_string(),
            reason: format!("no store for this URL: {e}"),
        })?;
        Ok(Location { store, path, url })
    }
}

fn storage<'a>(op: &'static str, loc: &'a Location) -> impl FnOnce(object_store::Error) -> Error + 'a {
    move |source| match source {
        object_store::Error::NotFound { .. } => Error::NotFound {
            what: "object",
            url: loc.url.to_string(),
        },
        source => Error::Storage {
            op,
            url: loc.url.to_string(),
            source,
        },
    }
}

/// The object's metadata.
pub async fn head(loc: &Location) -> Result<ObjectMeta> {
    loc.store.head(&loc.path).await.map_err(storage("reading metadata of", loc))
}

/// Reads a whole (small) object.
pub async fn read_all(loc: &Location) -> Result<Bytes> {
    let get = loc.store.get(&loc.path).await.map_err(storage("reading", loc))?;
    get.bytes().await.map_err(storage("reading", loc))
}

/// Reads `range` of an object, failing with [`Error::InputChanged`] when the
/// object no longer has the ETag `e_tag`.
pub async fn read_range(loc: &Location, range: Range<u64>, e_tag: Option<&str>) -> Result<Bytes> {
    let opts = GetOptions {
        range: Some(GetRange::Bounded(range.clone())),
        if_match: e_tag.map(str::to_string),
        ..Default::default()
    };
    let got = loc.store.get_opts(&loc.path, opts).await;
    let got = match got {
        Err(object_store::Error::Precondition { .. }) => {
            let now = head(loc).await.ok().and_then(|m| m.e_tag).unwrap_or_else(|| "gone".into());
            return Err(Error::InputChanged {
                url: loc.url.to_string(),
                was: e_tag.unwrap_or("?").to_string(),
                now,
            });
        }
        other => other.map_err(storage("reading", loc))?,
    };
    let bytes = got.bytes().await.map_err(storage("reading", loc))?;
    if bytes.len() as u64 != range.end - range.start {
        return Err(Error::InputChanged {
            url: loc.url.to_string(),
            was: format!("at least {} bytes", range.end),
            now: format!("a short read of {} bytes at offset {}", bytes.len(), range.start),
        });
    }
    Ok(bytes)
}

/// Writes a whole object at once: readers see the old object or the new one.
pub async fn write_once(loc: &Location, data: impl Into<PutPayload>) -> Result<()> {
    loc.store
        .put(&loc.path, data.into())
        .await
        .map(|_| ())
        .map_err(storage("writing", loc))
}

/// Deletes an object; a missing one is not an error.
pub async fn delete_if_exists(loc: &Location) -> Result<()> {
    match loc.store.delete(&loc.path).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(storage("deleting", loc)(e)),
    }
}

/// Reads and parses a JSON object written by another step.
pub async fn read_json<T: serde::de::DeserializeOwned>(loc: &Location, what: &'static str) -> Result<T> {
    let bytes = read_all(loc).await.map_err(|e| match e {
        Error::NotFound { url, .. } => Error::NotFound { what, url },
        e => e,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        what,
        url: loc.url.to_string(),
        reason: e.to_string(),
    })
}

/// Writes a value as pretty JSON (with a final newline), once.
pub async fn write_json<T: serde::Serialize>(loc: &Location, value: &T) -> Result<()> {
    let mut body = serde_json::to_vec_pretty(value).expect("our types serialize");
    body.push(b'\n');
    write_once(loc, Bytes::from(body)).await
}

/// A short version tag of an object for messages and manifests.
pub fn version_tag(meta: &ObjectMeta) -> String {
    meta.e_tag.clone().unwrap_or_else(|| meta.last_modified.to_rfc3339())
}

/// Parses an object path recorded in a manifest.
pub fn object_path(recorded: &str) -> Result<Path> {
    Path::parse(recorded).map_err(|e| Error::Corrupt {
        what: "manifest",
        url: recorded.to_string(),
        reason: format!("bad object path: {e}"),
    })
}
