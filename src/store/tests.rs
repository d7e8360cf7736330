//! Unit tests of `store.rs`: whose secrets scrub an error.

use super::*;

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
