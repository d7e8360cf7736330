//! Listing a big prefix folder by folder, many folders at once.
//!
//! A flat listing is one request per 1,000 objects, each waiting for the one
//! before it (the next page's token is in the last page): on S3, 100,000
//! objects are 100 round trips in a row. A listing with the delimiter `/`
//! returns a folder's objects and its subfolders, and the subfolders can then
//! be listed at the same time. A dataset laid out in folders
//! (`service=api/`, `2024/06/01/`) is listed up to [`CONCURRENCY`] times
//! faster, level by level.
//!
//! A tree of many folders holding a few objects each would cost a request
//! per folder: a level with more than [`MAX_FOLDERS`] folders is not entered,
//! its parents are listed flat instead (as many flat listings as the level
//! above had folders, at once). So the walk never makes many more requests
//! than a flat listing, and for a flat prefix it is one delimited listing
//! more.
//!
//! The objects come back in no particular order; callers sort.

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

/// Folders listed at once.
pub const CONCURRENCY: usize = 32;
/// The widest folder level the walk enters; a wider one is listed flat from
/// the level above.
pub const MAX_FOLDERS: usize = 1024;

/// Every object below `prefix` (all depths), as a flat listing of `prefix`
/// would return them, in no particular order.
///
/// ```
/// use logcount::store::walk::list_tree;
/// use object_store::{memory::InMemory, path::Path, ObjectStoreExt};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let store = InMemory::new();
/// for key in ["logs/a/1.log", "logs/a/2.log", "logs/b/c/3.log", "logs/4.log", "other/5.log"] {
///     store.put(&Path::from(key), "INFO\n".into()).await.unwrap();
/// }
/// let mut keys: Vec<String> = list_tree(&store, &Path::from("logs"))
///     .await
///     .unwrap()
///     .into_iter()
///     .map(|m| m.location.to_string())
///     .collect();
/// keys.sort();
/// assert_eq!(keys, ["logs/4.log", "logs/a/1.log", "logs/a/2.log", "logs/b/c/3.log"]);
/// # });
/// ```
pub async fn list_tree(
    store: &dyn ObjectStore,
    prefix: &Path,
) -> Result<Vec<ObjectMeta>, object_store::Error> {
    walk(store, prefix, MAX_FOLDERS).await
}

/// [`list_tree`] entering levels of at most `max_folders` folders.
async fn walk(
    store: &dyn ObjectStore,
    prefix: &Path,
    max_folders: usize,
) -> Result<Vec<ObjectMeta>, object_store::Error> {
    let mut objects = Vec::new();
    let mut level = vec![prefix.clone()];
    while !level.is_empty() {
        let listed: Vec<(Path, object_store::ListResult)> = futures::stream::iter(level)
            .map(|folder| async move {
                let listed = store.list_with_delimiter(Some(&folder)).await?;
                Ok::<_, object_store::Error>((folder, listed))
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        let below: usize = listed.iter().map(|(_, l)| l.common_prefixes.len()).sum();
        if below > max_folders {
            // Too many folders to enter one by one: each folder of this level
            // that has subfolders is listed flat instead, objects and all.
            let mut parents = Vec::new();
            for (folder, l) in listed {
                if l.common_prefixes.is_empty() {
                    objects.extend(l.objects);
                } else {
                    parents.push(folder);
                }
            }
            let flat: Vec<Vec<ObjectMeta>> = futures::stream::iter(parents)
                .map(|folder| async move { store.list(Some(&folder)).try_collect().await })
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
            objects.extend(flat.into_iter().flatten());
            break;
        }
        level = Vec::with_capacity(below);
        for (_, l) in listed {
            objects.extend(l.objects);
            level.extend(l.common_prefixes);
        }
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use object_store::ObjectStoreExt;

    async fn store_with(keys: &[&str]) -> InMemory {
        let store = InMemory::new();
        for key in keys {
            store.put(&Path::from(*key), "x\n".into()).await.unwrap();
        }
        store
    }

    async fn flat(store: &InMemory, prefix: &str) -> Vec<String> {
        let mut keys: Vec<String> = store
            .list(Some(&Path::from(prefix)))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        keys.sort();
        keys
    }

    async fn walked(store: &InMemory, prefix: &str, max_folders: usize) -> Vec<String> {
        let mut keys: Vec<String> = walk(store, &Path::from(prefix), max_folders)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.location.to_string())
            .collect();
        keys.sort();
        keys
    }

    /// The walk lists what a flat listing lists, for trees of every shape and
    /// every folder limit (entering every level, some, or none).
    #[tokio::test]
    async fn lists_what_a_flat_listing_lists() {
        let mut wide: Vec<String> = (0..40).map(|i| format!("p/w{i:02}/x.log")).collect();
        wide.extend((0..5).map(|i| format!("p/w00/deep/{i}/y.log")));
        let trees: Vec<Vec<String>> = vec![
            vec![],
            vec!["p/only.log".into()],
            vec!["p/a.log".into(), "p/b.log".into(), "q/c.log".into()],
            vec![
                "p/1.log".into(),
                "p/d/2.log".into(),
                "p/d/e/3.log".into(),
                "p/d/e/f/4.log".into(),
                "p/g/5.log".into(),
                "pq/not-below.log".into(),
            ],
            wide,
        ];
        for keys in &trees {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let store = store_with(&keys).await;
            let expected = flat(&store, "p").await;
            for max_folders in [0, 1, 2, 3, 39, 40, 41, 1024] {
                assert_eq!(
                    walked(&store, "p", max_folders).await,
                    expected,
                    "tree {keys:?}, at most {max_folders} folders a level"
                );
            }
        }
    }

    /// A prefix that holds nothing lists nothing (no error).
    #[tokio::test]
    async fn an_empty_prefix_lists_nothing() {
        let store = store_with(&["other/a.log"]).await;
        assert!(walked(&store, "p", MAX_FOLDERS).await.is_empty());
    }
}
