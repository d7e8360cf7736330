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
//! file system writes a temporary file and renames it) or, for big streamed
//! outputs, one completed multipart upload ([`StreamWriter`], aborted on
//! error), so a reader never sees half a file.
//!
//! Configuration of `s3://` and `oss://` stores (variables, retries,
//! timeouts) lives in [`crate::store_config`]. Error messages name the
//! operation and the object, and never carry a secret of the configuration
//! the location was resolved with (see `store/scrub.rs`).
//!
//! One thing is told apart: a location in the local file system store that
//! [`Stores`] built itself knows its file ([`Location::local_path`]), so the
//! steps can read and copy it with plain file calls. A store a caller
//! registered, even one over the local file system, never does: it may wrap
//! or prefix, and only the store knows which file it serves.

use crate::error::{Error, Result};
use crate::store_config::StoreConfig;
use bytes::Bytes;
use object_store::aws::AmazonS3;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::registry::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use scrub::Scrubber;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use url::Url;

mod confine;
mod names;
mod retire;
mod scrub;
mod stream_writer;
#[cfg(test)]
mod tests;
pub mod walk;

pub use names::parse_location;
use names::{decoded_path, url_of, url_segments};
pub use retire::retire_own_files;
pub use stream_writer::StreamWriter;

/// A resolved location: a store and a path in it, plus the URL for messages.
/// Made only by [`Stores`] (and derived from one it made).
#[derive(Debug, Clone)]
pub struct Location {
    /// The store holding the object (shared by every location in it).
    pub store: Arc<dyn ObjectStore>,
    /// The object's path in `store`.
    pub path: Path,
    /// The full URL (`s3://bucket/key`, `file:///dir/name`), for messages.
    pub url: Url,
    /// `Some` only when `store` is the local file system store that
    /// [`Stores`] built itself: then object paths map to files as this store maps them.
    local: Option<Arc<LocalFileSystem>>,
    /// The secrets of the configuration this location was resolved with.
    scrubber: Arc<Scrubber>,
    /// The local work directory below which no symlink is followed (see
    /// [`Location::confined`]).
    confined_to: Option<Arc<PathBuf>>,
    /// `Some` only when `store` is an S3/OSS store that [`Stores`] built:
    /// its multipart API, so that streamed outputs can journal their
    /// uploads (see [`StreamWriter`]).
    multipart: Option<Arc<AmazonS3>>,
}

impl Location {
    /// The location of `name` below this one (a "directory").
    pub fn join(&self, name: &str) -> Location {
        let mut path = self.path.clone();
        for part in name.split('/').filter(|p| !p.is_empty()) {
            path = path.join(part);
        }
        self.at(path)
    }

    /// The same store at another path.
    pub fn at(&self, path: Path) -> Location {
        Location {
            store: self.store.clone(),
            url: url_of(&self.url, &path),
            path,
            local: self.local.clone(),
            scrubber: self.scrubber.clone(),
            confined_to: self.confined_to.clone(),
            multipart: self.multipart.clone(),
        }
    }

    /// This location as a work prefix: every location derived from it
    /// ([`join`](Self::join), [`at`](Self::at)) refuses to write, delete or
    /// list through a symbolic link below it, so that no step acts outside
    /// its work prefix. Only the local file system has links; elsewhere this
    /// changes nothing.
    ///
    /// ```
    /// use logcount::store::Stores;
    /// let dir = tempfile::tempdir().unwrap();
    /// std::os::unix::fs::symlink("/tmp", dir.path().join("count-output")).unwrap();
    /// let work = Stores::default().open(dir.path().to_str().unwrap()).unwrap().confined();
    /// let err = work.join("count-output/0.json").check_confined().unwrap_err();
    /// assert!(err.to_string().contains("symbolic link"));
    /// ```
    pub fn confined(&self) -> Location {
        let mut loc = self.clone();
        loc.confined_to = self.local_path().map(Arc::new);
        loc
    }

    /// Refuses this location when it was derived from a
    /// [confined](Self::confined) work prefix and a symbolic link lies on the
    /// way to it below that prefix. Every write, delete and listing of the
    /// storage functions here checks it.
    pub fn check_confined(&self) -> Result<()> {
        match (&self.confined_to, self.local_path()) {
            (Some(root), Some(target)) => {
                confine::refuse_symlinks_below(root, &target, self.url.as_str())
            }
            _ => Ok(()),
        }
    }

    /// The file this location names, when its store is the local file
    /// system store that [`Stores`] built (so the file is the one the store
    /// itself reads and writes); `None` for any other store, a store a caller
    /// registered included, and for the root (no object).
    ///
    /// ```
    /// use logcount::store::Stores;
    /// let stores = Stores::default();
    /// let file = stores.open("/var/log/app.log").unwrap();
    /// assert_eq!(file.local_path(), Some("/var/log/app.log".into()));
    /// assert_eq!(stores.open("memory:///app.log").unwrap().local_path(), None);
    /// ```
    pub fn local_path(&self) -> Option<PathBuf> {
        self.local.as_ref()?.path_to_filesystem(&self.path).ok()
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

/// Resolves URLs to stores, creating one store per bucket (or file system)
/// and sharing it. Tests register in-memory or test-server stores.
#[derive(Debug, Clone)]
pub struct Stores {
    registry: Arc<DefaultObjectStoreRegistry>,
    config: Arc<StoreConfig>,
    /// `scheme://bucket` of the object stores registered or built so far.
    known: Arc<Mutex<HashSet<String>>>,
    /// The S3/OSS stores built here (not registered by a caller), by
    /// `scheme://bucket`, as multipart stores.
    built: Arc<Mutex<HashMap<String, Arc<AmazonS3>>>>,
    /// The local file system store built here, rooted at `/` and registered
    /// for `file:///` (a store a caller registers there replaces it).
    local: Arc<LocalFileSystem>,
    /// Scrubs error messages with the secrets of `config`.
    scrubber: Arc<Scrubber>,
}

impl Default for Stores {
    /// Stores with an empty configuration (no variables).
    fn default() -> Self {
        Self::with_config(StoreConfig::default())
    }
}

impl Stores {
    /// Stores configured from this process's environment (`AWS_*`, `OSS_*`,
    /// `LOGCOUNT_STORE_*`, see [`crate::store_config`]).
    pub fn new() -> Self {
        Self::with_config(StoreConfig::from_env())
    }

    /// Stores configured from explicit variables (tests, embedding).
    ///
    /// ```
    /// use logcount::store::Stores;
    /// use logcount::store_config::StoreConfig;
    /// let stores = Stores::with_config(StoreConfig::from_vars([("AWS_REGION", "eu-west-1")]));
    /// let loc = stores.open("s3://my-bucket/logs/").unwrap();
    /// assert_eq!((loc.path.as_ref(), loc.store_url().as_str()), ("logs", "s3://my-bucket/"));
    /// ```
    pub fn with_config(config: StoreConfig) -> Self {
        let registry = DefaultObjectStoreRegistry::new();
        let local = Arc::new(LocalFileSystem::new());
        registry.register(
            Url::parse("file:///").expect("a URL"),
            local.clone() as Arc<dyn ObjectStore>,
        );
        Stores {
            registry: Arc::new(registry),
            scrubber: Arc::new(Scrubber::of(&config)),
            config: Arc::new(config),
            known: Default::default(),
            built: Default::default(),
            local,
        }
    }

    /// The configuration object stores are built from.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Uses `store` for every URL below `url` (scheme, bucket and path prefix).
    pub fn register(&self, url: &str, store: Arc<dyn ObjectStore>) {
        let url = Url::parse(url).expect("a valid URL to register");
        self.known
            .lock()
            .expect("not poisoned")
            .insert(bucket_key(&url));
        self.built
            .lock()
            .expect("not poisoned")
            .remove(&bucket_key(&url));
        self.registry.register(url, store);
    }

    /// Resolves a user-given location (URL or path).
    pub fn open(&self, given: &str) -> Result<Location> {
        let url = parse_location(given)?;
        self.resolve(url, given)
    }

    fn resolve(&self, url: Url, given: &str) -> Result<Location> {
        if matches!(url.scheme(), "s3" | "s3a" | "oss") {
            // Build the bucket's store from our configuration once; never let the
            // registry fall back to its own (environment-only) construction.
            let key = bucket_key(&url);
            let mut known = self.known.lock().expect("not poisoned");
            if !known.contains(&key) {
                let store = self.config.build(&url).map_err(|e| match e {
                    Error::Invalid { what, reason } => Error::BadLocation {
                        given: given.to_string(),
                        reason: format!("{what}: {reason}"),
                    },
                    e => e,
                })?;
                self.registry.register(
                    Url::parse(&key).expect("scheme and bucket make a URL"),
                    store.clone() as Arc<dyn ObjectStore>,
                );
                self.built
                    .lock()
                    .expect("not poisoned")
                    .insert(key.clone(), store);
                known.insert(key);
            }
        }
        let (store, suffix) = self
            .registry
            .resolve(&url)
            .map_err(|e| Error::BadLocation {
                given: given.to_string(),
                reason: format!("no store for this URL: {e}"),
            })?;
        // The registry keeps the URL's segments percent-encoded; an object
        // path holds them decoded, once (`a%20b` names the object `a b`).
        let depth = url_segments(&url).count() - suffix.parts_count();
        let path = decoded_path(&url, depth).map_err(|reason| Error::BadLocation {
            given: given.to_string(),
            reason,
        })?;
        // Local only when the registry gave back the very store built here.
        let local = std::ptr::addr_eq(Arc::as_ptr(&store), Arc::as_ptr(&self.local))
            .then(|| self.local.clone());
        // Likewise for the S3/OSS stores built here.
        let multipart = self
            .built
            .lock()
            .expect("not poisoned")
            .get(&bucket_key(&url))
            .filter(|s3| std::ptr::addr_eq(Arc::as_ptr(&store), Arc::as_ptr(*s3)))
            .cloned();
        Ok(Location {
            store,
            path,
            url,
            local,
            scrubber: self.scrubber.clone(),
            confined_to: None,
            multipart,
        })
    }
}

/// `scheme://bucket` of a URL.
fn bucket_key(url: &Url) -> String {
    format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default())
}

/// Maps a storage error to ours: a missing object is [`Error::NotFound`],
/// anything else names the operation and the object.
pub fn storage_error(op: &'static str, loc: &Location, source: object_store::Error) -> Error {
    if is_no_such_bucket(&source) {
        return Error::NotFound {
            what: "bucket",
            url: loc.store_url(),
        };
    }
    match source {
        object_store::Error::NotFound { .. } => Error::NotFound {
            what: "object",
            url: loc.url.to_string(),
        },
        source => Error::Storage {
            op,
            url: loc.url.to_string(),
            source: loc.scrubber.scrub(source),
        },
    }
}

/// Whether the server said the bucket does not exist (S3's `NoSuchBucket`).
fn is_no_such_bucket(e: &object_store::Error) -> bool {
    let mut err: Option<&dyn std::error::Error> = Some(e);
    while let Some(x) = err {
        if x.to_string().contains("<Code>NoSuchBucket</Code>") {
            return true;
        }
        err = x.source();
    }
    false
}

fn storage<'a>(
    op: &'static str,
    loc: &'a Location,
) -> impl FnOnce(object_store::Error) -> Error + 'a {
    move |source| storage_error(op, loc, source)
}

/// Refuses a local path that is neither a regular file nor a directory (a
/// FIFO, socket or device): opening a FIFO blocks until a writer comes, and a
/// device may never end. Other stores hold only objects.
fn refuse_special_file(loc: &Location) -> Result<()> {
    let Some(path) = (loc.url.scheme() == "file")
        .then(|| loc.url.to_file_path().ok())
        .flatten()
    else {
        return Ok(());
    };
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(Error::Corrupt {
            what: "file to read",
            url: loc.url.to_string(),
            reason: "it is a FIFO, socket or device; only regular files and directories are read"
                .into(),
        }),
        _ => Ok(()),
    }
}

/// The objects directly in the folder `dir` (none when it does not exist),
/// with a delimited listing.
pub async fn list_folder(dir: &Location) -> Result<Vec<ObjectMeta>> {
    match dir.store.list_with_delimiter(Some(&dir.path)).await {
        Ok(listed) => Ok(listed.objects),
        Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
        Err(e) => Err(storage_error("listing", dir, e)),
    }
}

/// The object's metadata.
pub async fn head(loc: &Location) -> Result<ObjectMeta> {
    loc.check_confined()?;
    refuse_special_file(loc)?;
    loc.store
        .head(&loc.path)
        .await
        .map_err(storage("reading metadata of", loc))
}

/// Reads a whole (small) object.
pub async fn read_all(loc: &Location) -> Result<Bytes> {
    loc.check_confined()?;
    refuse_special_file(loc)?;
    let get = loc
        .store
        .get(&loc.path)
        .await
        .map_err(storage("reading", loc))?;
    get.bytes().await.map_err(storage("reading", loc))
}

/// Reads an object as a stream of chunks (a big object, in bounded memory).
pub async fn read_stream(
    loc: &Location,
) -> Result<futures::stream::BoxStream<'static, Result<Bytes>>> {
    use futures::StreamExt;
    loc.check_confined()?;
    refuse_special_file(loc)?;
    let get = loc
        .store
        .get(&loc.path)
        .await
        .map_err(storage("reading", loc))?;
    let loc = loc.clone();
    Ok(get
        .into_stream()
        .map(move |r| r.map_err(|e| storage_error("reading", &loc, e)))
        .boxed())
}

/// Reads `range` of an object, failing with [`Error::InputChanged`] when the
/// object no longer has the ETag `e_tag`.
pub async fn read_range(loc: &Location, range: Range<u64>, e_tag: Option<&str>) -> Result<Bytes> {
    loc.check_confined()?;
    refuse_special_file(loc)?;
    let opts = GetOptions {
        range: Some(GetRange::Bounded(range.clone())),
        if_match: e_tag.map(str::to_string),
        ..Default::default()
    };
    let got = loc.store.get_opts(&loc.path, opts).await;
    let got = match got {
        Err(object_store::Error::Precondition { .. }) => {
            let now = head(loc)
                .await
                .ok()
                .and_then(|m| m.e_tag)
                .unwrap_or_else(|| "gone".into());
            return Err(Error::InputChanged {
                url: loc.url.to_string(),
                was: e_tag.unwrap_or("?").to_string(),
                now,
            });
        }
        other => other.map_err(storage("reading", loc))?,
    };
    // Some S3-compatible servers ignore If-Match on GET: check the ETag we got.
    if let (Some(want), Some(got_tag)) = (e_tag, got.meta.e_tag.as_deref()) {
        if want != got_tag {
            return Err(Error::InputChanged {
                url: loc.url.to_string(),
                was: want.to_string(),
                now: got_tag.to_string(),
            });
        }
    }
    let bytes = got.bytes().await.map_err(storage("reading", loc))?;
    if bytes.len() as u64 != range.end - range.start {
        return Err(Error::InputChanged {
            url: loc.url.to_string(),
            was: format!("at least {} bytes", range.end),
            now: format!(
                "a short read of {} bytes at offset {}",
                bytes.len(),
                range.start
            ),
        });
    }
    Ok(bytes)
}

/// Writes a whole object at once: readers see the old object or the new one.
pub async fn write_once(loc: &Location, data: impl Into<PutPayload>) -> Result<()> {
    loc.check_confined()?;
    loc.store
        .put(&loc.path, data.into())
        .await
        .map(|_| ())
        .map_err(storage("writing", loc))
}

/// Deletes an object; a missing one is not an error.
pub async fn delete_if_exists(loc: &Location) -> Result<()> {
    loc.check_confined()?;
    match loc.store.delete(&loc.path).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(storage("deleting", loc)(e)),
    }
}

/// Reads and parses a JSON object written by another step.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    loc: &Location,
    what: &'static str,
) -> Result<T> {
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
    meta.e_tag
        .clone()
        .unwrap_or_else(|| meta.last_modified.to_rfc3339())
}

/// The status-change time (ctime) of a local file as `secs.nanos`; `None`
/// for other stores and when the file cannot be read.
pub fn local_change_time(loc: &Location) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(loc.local_path()?).ok()?;
    Some(format!("{}.{:09}", m.ctime(), m.ctime_nsec()))
}

/// Fails with [`Error::InputChanged`] when `loc` is a local file whose
/// status-change time is no longer `recorded` (see [`local_change_time`]).
pub fn check_change_time(loc: &Location, recorded: Option<&str>) -> Result<()> {
    let Some(was) = recorded else { return Ok(()) };
    let now = local_change_time(loc).unwrap_or_else(|| "gone".into());
    if now != was {
        return Err(Error::InputChanged {
            url: loc.url.to_string(),
            was: format!("changed at {was}"),
            now: format!("changed at {now}, rewritten in place"),
        });
    }
    Ok(())
}

/// Parses an object path recorded in a manifest.
pub fn object_path(recorded: &str) -> Result<Path> {
    Path::parse(recorded).map_err(|e| Error::Corrupt {
        what: "manifest",
        url: recorded.to_string(),
        reason: format!("bad object path: {e}"),
    })
}
