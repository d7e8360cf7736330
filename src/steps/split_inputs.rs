//! What split reads: one or more inputs, each an object, a prefix (a
//! dataset, ending in `/`) or a glob, resolved to the objects of one
//! dataset, in path order, each listed once.
//!
//! A glob is an input holding `*`, `?`, `[` or `{` after its scheme (and that
//! names no existing local file): `logs/*.log`, `s3://bucket/2024-*/**/*.gz`.
//! Its literal folder is listed and every object below it whose path matches
//! is taken; `*` and `?` stay within one path segment and `**` crosses them,
//! as `globset` matches with `literal_separator`. Several inputs must lie in
//! one store (one bucket, or the local file system); an object that two
//! inputs name is counted once.

use super::PROBE_CONCURRENCY;
use crate::error::{Error, Result};
use crate::spec::dataset::Filters;
use crate::store::{self, Location, Stores};
use futures::{StreamExt, TryStreamExt};
use globset::{GlobBuilder, GlobMatcher};
use object_store::ObjectMeta;

/// One input: a location, and for a glob the pattern its objects match.
#[derive(Debug, Clone)]
pub struct Input {
    /// The object or prefix (for a glob, its literal folder).
    pub location: Location,
    /// A glob's pattern, over paths in the store.
    glob: Option<(String, GlobMatcher)>,
}

/// The inputs of one job, in one store.
#[derive(Debug, Clone)]
pub struct Inputs(Vec<Input>);

/// The most objects listed without an ETag that split asks for theirs.
const HEAD_FOR_E_TAG_MAX: usize = 1_000;

/// The bytes that make an input a glob.
const GLOB_CHARS: &[char] = &['*', '?', '[', '{'];

impl Inputs {
    /// One input, taken as it is (never as a glob).
    pub fn one(location: Location) -> Inputs {
        Inputs(vec![Input {
            location,
            glob: None,
        }])
    }

    /// Resolves inputs as given (paths, URLs, globs). Refuses none at all,
    /// a glob that does not parse, and inputs in different stores.
    pub fn open(stores: &Stores, given: &[String]) -> Result<Inputs> {
        if given.is_empty() {
            return Err(Error::invalid("input", "none given"));
        }
        let inputs = given
            .iter()
            .map(|g| open_one(stores, g))
            .collect::<Result<Vec<_>>>()?;
        let store = inputs[0].location.store_url();
        if let Some(other) = inputs.iter().find(|i| i.location.store_url() != store) {
            return Err(Error::invalid(
                "inputs",
                format!(
                    "{} and {} are in different stores; one job reads one store (one bucket, \
                     or local files)",
                    inputs[0].location, other.location
                ),
            ));
        }
        Ok(Inputs(inputs))
    }

    /// The inputs, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &Input> {
        self.0.iter()
    }

    /// The first input's location (its store is every input's).
    pub fn first(&self) -> &Location {
        &self.0[0].location
    }

    /// How the manifest records the inputs: each one's URL (a glob's with
    /// its pattern), separated by spaces (a URL holds none).
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|i| match &i.glob {
                None => i.location.url.to_string(),
                Some((pattern, _)) => format!("{}{pattern}", i.location.store_url()),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every object the inputs name that `filters` admit, in path order,
    /// each once, without the work prefix's own files. An input that names
    /// nothing is an error, and so are filters that leave nothing.
    pub(super) async fn find_objects(
        &self,
        work: &Location,
        filters: &Filters,
    ) -> Result<Vec<Found>> {
        let mut all = Vec::new();
        for input in &self.0 {
            all.extend(find_objects(input, work, filters).await?);
        }
        if all.is_empty() {
            return Err(Error::invalid(
                "input",
                format!(
                    "no object of {} passes {}",
                    self.describe(),
                    filters.describe()
                ),
            ));
        }
        all.sort_by(|a, b| a.meta.location.cmp(&b.meta.location));
        all.dedup_by(|a, b| a.meta.location == b.meta.location);
        Ok(all)
    }
}

/// An object found, with its key: its path relative to the input it was
/// found under (for an input naming one object, its file name).
#[derive(Debug, Clone)]
pub(super) struct Found {
    /// The object as the store lists it.
    pub(super) meta: ObjectMeta,
    /// Its key, what filters and groups look at.
    pub(super) key: String,
}

/// The key of `path` found under `base` (a prefix or object path).
fn key_of(base: &str, path: &str) -> String {
    match path.strip_prefix(base) {
        Some(rest) if base.is_empty() => rest.to_string(),
        Some(rest) if rest.starts_with('/') => rest[1..].to_string(),
        _ => path.rsplit('/').next().unwrap_or(path).to_string(),
    }
}

fn open_one(stores: &Stores, given: &str) -> Result<Input> {
    let after_scheme = given.find("://").map_or(0, |i| i + 3);
    let Some(first) = given[after_scheme..].find(GLOB_CHARS) else {
        return Ok(Input {
            location: stores.open(given)?,
            glob: None,
        });
    };
    if after_scheme == 0 && std::path::Path::new(given).exists() {
        // A local file whose name holds a glob character.
        return Ok(Input {
            location: stores.open(given)?,
            glob: None,
        });
    }
    let first = after_scheme + first;
    let (folder, rest) = match given[..first].rfind('/') {
        Some(slash) if slash >= after_scheme => given.split_at(slash + 1),
        _ if after_scheme == 0 => ("./", given),
        _ => {
            return Err(Error::BadLocation {
                given: given.to_string(),
                reason: "a glob cannot stand for the bucket".into(),
            })
        }
    };
    let location = stores.open(folder)?;
    let base = location.path.as_ref();
    let pattern = if base.is_empty() {
        rest.to_string()
    } else {
        format!("{base}/{rest}")
    };
    let matcher = GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| Error::BadLocation {
            given: given.to_string(),
            reason: format!("not a glob: {}", e.kind()),
        })?
        .compile_matcher();
    Ok(Input {
        location,
        glob: Some((pattern, matcher)),
    })
}

/// The objects of one input: one object, or every object below a prefix (a
/// dataset), or those of a glob's folder that match it, in path order. A
/// dataset leaves out the work prefix, should it lie inside.
async fn find_objects(given: &Input, work: &Location, filters: &Filters) -> Result<Vec<Found>> {
    let input = &given.location;
    let base = input.path.as_ref();
    if !input.is_prefix() && given.glob.is_none() {
        match store::head(input).await {
            Ok(meta) => {
                let key = key_of(base, meta.location.as_ref());
                return Ok(if filters.admits(&key) {
                    vec![Found { meta, key }]
                } else {
                    Vec::new()
                });
            }
            Err(Error::NotFound { .. }) => {} // maybe a directory or prefix given without '/'
            Err(e) => return Err(e),
        }
    }
    let same_store = input.store_url() == work.store_url();
    let work_prefix = work.path.as_ref().to_string();
    // Locally, links inside the dataset may lead into the work directory by
    // another name: compare where files really are.
    let work_dir = work
        .local_path()
        .and_then(|p| std::fs::canonicalize(p).ok());
    // Local listings are directory walks without round trips; a store
    // listing (S3, memory) goes folder by folder, many folders at once.
    let listed: Vec<ObjectMeta> = if input.local_path().is_some() {
        input.store.list(Some(&input.path)).try_collect().await
    } else {
        store::walk::list_tree(input.store.as_ref(), &input.path).await
    }
    .map_err(|source| listing_error(input, source))?;
    let mut listed_any = false;
    let mut objects: Vec<ObjectMeta> = listed
        .into_iter()
        .filter(|m| {
            let p = m.location.as_ref();
            let in_work = same_store
                && !work_prefix.is_empty()
                && (p == work_prefix || p.starts_with(&format!("{work_prefix}/")));
            let really_in_work = || {
                let file = input.at(m.location.clone()).local_path();
                match (&work_dir, file.and_then(|f| std::fs::canonicalize(f).ok())) {
                    (Some(dir), Some(file)) => file.starts_with(dir),
                    _ => false,
                }
            };
            let wanted = given.glob.as_ref().is_none_or(|(_, g)| g.is_match(p))
                && !in_work
                && !really_in_work();
            listed_any |= wanted;
            wanted && filters.admits(&key_of(base, p))
        })
        .collect();
    if !listed_any {
        return Err(match &given.glob {
            None => Error::NotFound {
                what: "input",
                url: input.url.to_string(),
            },
            Some((pattern, _)) => Error::invalid(
                "input",
                format!(
                    "no object below {input} matches the glob {}{pattern}",
                    input.store_url()
                ),
            ),
        });
    }
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    // Some S3-compatible servers list objects without ETags. A few such
    // objects are each asked for theirs, so that count reads them only while
    // unchanged; for more, the requests would cost more than the listing, and
    // they are pinned by size and last-modified time, which merge checks.
    let without_e_tag = objects.iter().filter(|m| m.e_tag.is_none()).count();
    if without_e_tag > HEAD_FOR_E_TAG_MAX {
        tracing::warn!(
            objects = without_e_tag,
            "the store lists no ETags: these objects are pinned by size and last-modified \
             time, not by ETag"
        );
    } else if without_e_tag > 0 {
        objects = futures::stream::iter(objects)
            .map(|m| async move {
                if m.e_tag.is_some() {
                    return Ok(m);
                }
                store::head(&input.at(m.location.clone())).await
            })
            .buffered(PROBE_CONCURRENCY)
            .try_collect()
            .await?;
    }
    Ok(objects
        .into_iter()
        .map(|meta| Found {
            key: key_of(base, meta.location.as_ref()),
            meta,
        })
        .collect())
}

/// A failed listing of the dataset: transient, but for a local symlink loop,
/// which no retry mends.
fn listing_error(input: &Location, source: object_store::Error) -> Error {
    if input.local_path().is_some() && is_file_system_loop(&source) {
        return Error::invalid("input dataset", format!("{input}: {}", one_line(&source)));
    }
    store::storage_error("listing", input, source)
}

/// Whether a local listing failed on a symlink loop. The local store walks
/// directories with `walkdir`, whose loop error has no `io::Error` kind to
/// test, so its message is what tells.
fn is_file_system_loop(e: &object_store::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        let text = s.to_string();
        if text.contains("File system loop found") {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.raw_os_error() == Some(libc::ELOOP) {
                return true;
            }
        }
        source = s.source();
    }
    false
}

/// An error and its causes on one line.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use std::sync::Arc;

    /// A memory store holding `names`; the inputs `given` resolved and listed
    /// (work prefix `memory:///work/`), as object names.
    fn found(names: &[&str], given: &[&str]) -> Result<Vec<String>> {
        let stores = Stores::default();
        stores.register("memory:///", Arc::new(InMemory::new()));
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            for n in names {
                let loc = stores.open(&format!("memory:///{n}"))?;
                store::write_once(&loc, bytes::Bytes::from_static(b"x\n")).await?;
            }
            let given: Vec<String> = given.iter().map(|g| format!("memory:///{g}")).collect();
            let inputs = Inputs::open(&stores, &given)?;
            let work = stores.open("memory:///work/")?;
            let objects = inputs.find_objects(&work, &Filters::default()).await?;
            Ok(objects
                .iter()
                .map(|m| m.meta.location.to_string())
                .collect())
        })
    }

    #[test]
    fn globs_match_as_globset_does_with_literal_separators() {
        let names = [
            "logs/a.log",
            "logs/b.txt",
            "logs/2024/c.log",
            "logs/2024/05/d.log.gz",
            "logs/2025/e.log",
            "other/f.log",
            "work/count-output/0.json",
        ];
        let t: &[(&[&str], &[&str])] = &[
            (&["logs/*.log"], &["logs/a.log"]),
            (&["logs/*"], &["logs/a.log", "logs/b.txt"]),
            (
                &["logs/**/*.log"],
                &["logs/2024/c.log", "logs/2025/e.log", "logs/a.log"],
            ),
            (&["logs/202?/*"], &["logs/2024/c.log", "logs/2025/e.log"]),
            (
                &["logs/2024/**"],
                &["logs/2024/05/d.log.gz", "logs/2024/c.log"],
            ),
            (&["logs/{a,b}.*"], &["logs/a.log", "logs/b.txt"]),
            (&["logs/[ab].log"], &["logs/a.log"]),
            (&["*/*.log"], &["logs/a.log", "other/f.log"]),
            // Several inputs: one sorted list, each object once.
            (
                &["other/f.log", "logs/*.log", "logs/a.log"],
                &["logs/a.log", "other/f.log"],
            ),
            (
                &["logs/2025/", "other/f.log"],
                &["logs/2025/e.log", "other/f.log"],
            ),
            // The work prefix is never part of the dataset.
            (&["**/*.json"], &[]),
        ];
        for (given, want) in t {
            match found(&names, given) {
                Ok(got) => assert_eq!(got, *want, "{given:?}"),
                Err(e) => assert!(want.is_empty(), "{given:?}: {e}"),
            }
        }
    }

    #[test]
    fn a_glob_that_matches_nothing_names_its_folder_and_pattern() {
        let e = found(&["logs/a.log"], &["logs/*.gz"]).unwrap_err();
        let text = e.to_string();
        assert!(!e.is_transient());
        assert!(text.contains("memory:///logs/"), "{text}");
        assert!(text.contains("logs/*.gz"), "{text}");
        let e = found(&["logs/a.log"], &["logs/[a.log"]).unwrap_err();
        assert!(e.to_string().contains("not a glob"), "{e}");
    }
}
