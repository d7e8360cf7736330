//! Unit tests of `store.rs`: which locations know their local file, and
//! whose secrets scrub an error.

use super::*;
use object_store::memory::InMemory;
use object_store::prefix::PrefixStore;

#[test]
fn local_path_is_known_for_the_local_store_built_here() {
    let stores = Stores::default();
    let path = |given: &str| stores.open(given).unwrap().local_path();
    assert_eq!(path("/var/log/app.log"), Some("/var/log/app.log".into()));
    assert_eq!(
        path("file:///var/log/app.log"),
        Some("/var/log/app.log".into())
    );
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(path("logs/app.log"), Some(cwd.join("logs/app.log")));
    // Derived locations keep it, and follow their own path.
    let dir = stores.open("/data/in/").unwrap();
    assert_eq!(
        dir.join("a/b.log").local_path(),
        Some("/data/in/a/b.log".into())
    );
    assert_eq!(
        dir.at(Path::from("other/c.log")).local_path(),
        Some("/other/c.log".into())
    );
    // The root names no file.
    assert_eq!(path("/"), None);
}

#[test]
fn local_path_is_unknown_for_every_other_store() {
    let stores = Stores::with_config(StoreConfig::from_vars([("AWS_REGION", "eu-west-1")]));
    for given in ["memory:///app.log", "s3://bucket/app.log"] {
        let loc = stores.open(given).unwrap();
        assert_eq!(loc.local_path(), None, "{given}");
        assert_eq!(loc.join("x.log").local_path(), None, "{given}");
    }

    // A store a caller registers below file:// wins there, and is never
    // taken for local (it may prefix or wrap), even when it is a plain
    // local file system store; elsewhere the store built here still is.
    stores.register(
        "file:///data/",
        Arc::new(PrefixStore::new(LocalFileSystem::new(), "elsewhere")),
    );
    stores.register("file:///plain/", Arc::new(LocalFileSystem::new()));
    for given in ["file:///data/app.log", "/data/app.log", "/plain/app.log"] {
        assert_eq!(stores.open(given).unwrap().local_path(), None, "{given}");
    }
    assert_eq!(
        stores.open("/other/app.log").unwrap().local_path(),
        Some("/other/app.log".into())
    );

    // Registered for the whole file system: no local location is left.
    stores.register("file:///", Arc::new(InMemory::new()));
    assert_eq!(stores.open("/other/app.log").unwrap().local_path(), None);
}

/// An error from a store whose message (through its source) holds `secrets`.
fn leaky(secrets: &[&str]) -> object_store::Error {
    let inner = std::io::Error::other(format!("signature for {} rejected", secrets.join(" and ")));
    object_store::Error::Generic {
        store: "S3",
        source: Box::new(inner),
    }
}

/// The full message of an error, sources included.
fn shown(e: Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[test]
fn each_stores_scrubs_with_its_own_secrets() {
    const ALPHA: &str = "alpha-secret-value-1111";
    const BETA: &str = "beta-session-token-2222";
    let alpha = Stores::with_config(StoreConfig::from_vars([("AWS_SECRET_ACCESS_KEY", ALPHA)]));
    let beta = Stores::with_config(StoreConfig::from_vars([("AWS_SESSION_TOKEN", BETA)]));
    let from_alpha = alpha.open("memory:///in/a.log").unwrap();
    let from_beta = beta.open("memory:///in/a.log").unwrap();

    let a = shown(storage_error("reading", &from_alpha, leaky(&[ALPHA, BETA])));
    let b = shown(storage_error("reading", &from_beta, leaky(&[ALPHA, BETA])));
    assert!(!a.contains(ALPHA), "{a}");
    assert!(!b.contains(BETA), "{b}");
    assert!(
        a.contains("reading memory:///in/a.log") && a.contains("<redacted>"),
        "{a}"
    );
    assert!(
        b.contains("reading memory:///in/a.log") && b.contains("<redacted>"),
        "{b}"
    );
    // The secrets belong to the configuration, not the process: neither
    // Stores knows the other's.
    assert!(a.contains(BETA), "{a}");
    assert!(b.contains(ALPHA), "{b}");

    // Locations derived from a resolved one scrub the same way.
    let derived = from_alpha.join("deeper/b.log").at(Path::from("c.log"));
    let c = shown(storage_error("writing", &derived, leaky(&[ALPHA])));
    assert!(
        !c.contains(ALPHA) && c.contains("writing memory:///c.log"),
        "{c}"
    );

    // A message without a secret is left as it was (the same error kind).
    let plain = storage_error(
        "reading",
        &from_alpha,
        object_store::Error::Generic {
            store: "S3",
            source: "connection reset".into(),
        },
    );
    assert!(shown(plain).ends_with("connection reset"));

    // No secret shows in Debug output of the stores or their locations.
    for text in [
        format!("{alpha:?}"),
        format!("{beta:?}"),
        format!("{from_alpha:?}"),
        format!("{from_beta:?}"),
    ] {
        assert!(!text.contains(ALPHA) && !text.contains(BETA), "{text}");
    }
}
