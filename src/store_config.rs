//! Object-store configuration from the environment, the way users already
//! set it, for `s3://` (AWS S3 and S3-compatible servers such as MinIO) and
//! `oss://` (Aliyun OSS through its S3-compatible API).
//!
//! `s3://bucket/key` reads every `AWS_*` variable that `object_store`
//! understands: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION` / `AWS_DEFAULT_REGION`,
//! `AWS_ENDPOINT_URL` (the AWS CLI's name), `AWS_ENDPOINT`,
//! `AWS_ENDPOINT_URL_S3`, `AWS_ALLOW_HTTP`, web identity (IRSA) and container
//! credentials. An explicit `http://` endpoint allows plain HTTP by itself.
//!
//! `oss://bucket/key` reads `OSS_ENDPOINT` (e.g. `oss-cn-hangzhou.aliyuncs.com`,
//! as ossutil takes it), `OSS_REGION` (e.g. `cn-hangzhou`; derived from the
//! endpoint when absent), `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and
//! `OSS_SESSION_TOKEN` (or the Aliyun SDK's `ALIBABA_CLOUD_*` names), and
//! talks to `https://<bucket>.<endpoint>` with virtual-hosted addressing, as
//! OSS requires.
//!
//! Both retry throttling (503 SlowDown), server errors and dropped
//! connections with exponential backoff, bounded in time; the knobs are
//! `LOGCOUNT_STORE_MAX_RETRIES` (10), `LOGCOUNT_STORE_RETRY_TIMEOUT` (120s),
//! `LOGCOUNT_STORE_BACKOFF_INIT` (100ms), `LOGCOUNT_STORE_BACKOFF_MAX` (15s),
//! `LOGCOUNT_STORE_TIMEOUT` (per request, 60s) and
//! `LOGCOUNT_STORE_CONNECT_TIMEOUT` (5s).
//!
//! Secrets are kept out of `Debug` output and error messages.

use crate::error::{Error, Result};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::client::DnsResolver;
use object_store::{BackoffConfig, ClientOptions, RetryConfig};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Default attempts after the first before giving up.
pub const DEFAULT_MAX_RETRIES: usize = 10;
/// Default bound on the time spent retrying one request.
pub const DEFAULT_RETRY_TIMEOUT: Duration = Duration::from_secs(120);
/// Default time limit of one request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time limit to connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The variable prefixes this module reads.
const PREFIXES: [&str; 4] = ["AWS_", "OSS_", "ALIBABA_CLOUD_", "LOGCOUNT_STORE_"];

/// Variables whose values are secrets: never shown.
const SECRETS: [&str; 5] = [
    vars::AWS_SECRET_ACCESS_KEY,
    vars::AWS_SESSION_TOKEN,
    vars::OSS_ACCESS_KEY_SECRET,
    vars::OSS_SESSION_TOKEN,
    vars::ALIBABA_CLOUD_ACCESS_KEY_SECRET,
];

/// A snapshot of the storage variables, from which stores are built.
///
/// ```
/// use logcount::store_config::StoreConfig;
/// let c = StoreConfig::from_vars([("OSS_ENDPOINT", "oss-cn-hangzhou.aliyuncs.com")]);
/// let oss = c.oss_settings("my-bucket").unwrap();
/// assert_eq!(oss.endpoint, "https://my-bucket.oss-cn-hangzhou.aliyuncs.com");
/// assert_eq!(oss.region, "cn-hangzhou");
/// ```
#[derive(Clone, Default)]
pub struct StoreConfig {
    vars: BTreeMap<String, String>,
    dns: Option<Arc<dyn DnsResolver>>,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: BTreeMap<&str, &str> = self
            .vars
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    if is_secret(k) {
                        "<redacted>"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("StoreConfig")
            .field("vars", &shown)
            .field("dns", &self.dns.is_some())
            .finish()
    }
}

fn is_secret(key: &str) -> bool {
    SECRETS.contains(&key)
        || key.contains("SECRET")
        || key.contains("TOKEN")
        || key.contains("PASSWORD")
}

/// What an `oss://` bucket is reached with (secrets left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssSettings {
    /// `scheme://<bucket>.<endpoint host>[:port]`
    pub endpoint: String,
    /// The OSS region (`cn-hangzhou`): `OSS_REGION`, else read off the endpoint host.
    pub region: String,
    /// Whether the endpoint is `http://`: plain HTTP is allowed only then.
    pub allow_http: bool,
}

impl StoreConfig {
    /// The storage variables of this process's environment.
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars())
    }

    /// Storage variables given explicitly (tests; other variables are ignored).
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| PREFIXES.iter().any(|p| k.starts_with(p)))
            .collect();
        StoreConfig { vars, dns: None }
    }

    /// Sets (or replaces) one variable.
    pub fn with_var(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(key.into(), value.into());
        self
    }

    /// Resolves host names with `resolver` (tests: virtual-hosted names on 127.0.0.1).
    pub fn with_dns_resolver(mut self, resolver: Arc<dyn DnsResolver>) -> Self {
        self.dns = Some(resolver);
        self
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn first(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }

    fn duration(&self, key: &str, default: Duration) -> Result<Duration> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_duration(v).ok_or_else(|| {
                Error::invalid(
                    key,
                    format!("{v:?} is not a duration (use e.g. 30s, 500ms, 2m)"),
                )
            }),
        }
    }

    /// Retries: exponential backoff with jitter, bounded in count and time.
    pub fn retry_config(&self) -> Result<RetryConfig> {
        let max_retries = match self.get(vars::STORE_MAX_RETRIES) {
            None => DEFAULT_MAX_RETRIES,
            Some(v) => v.parse().map_err(|_| {
                Error::invalid(vars::STORE_MAX_RETRIES, format!("{v:?} is not a count"))
            })?,
        };
        Ok(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: self
                    .duration(vars::STORE_BACKOFF_INIT, Duration::from_millis(100))?,
                max_backoff: self.duration(vars::STORE_BACKOFF_MAX, Duration::from_secs(15))?,
                base: 2.0,
            },
            max_retries,
            retry_timeout: self.duration(vars::STORE_RETRY_TIMEOUT, DEFAULT_RETRY_TIMEOUT)?,
        })
    }

    /// HTTP client options: timeouts (and the test DNS resolver, if any).
    pub fn client_options(&self) -> Result<ClientOptions> {
        let mut o = ClientOptions::new()
            .with_timeout(self.duration(vars::STORE_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)?)
            .with_connect_timeout(
                self.duration(vars::STORE_CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT)?,
            );
        if let Some(dns) = &self.dns {
            o = o.with_dns_resolver(dns.clone());
        }
        Ok(o)
    }

    /// Builds the store for the bucket of an `s3://`, `s3a://` or `oss://` URL.
    pub fn build(&self, url: &Url) -> Result<Arc<AmazonS3>> {
        let bucket =
            url.host_str()
                .filter(|b| !b.is_empty())
                .ok_or_else(|| Error::BadLocation {
                    given: url.to_string(),
                    reason: "no bucket name".into(),
                })?;
        let builder = match url.scheme() {
            "s3" | "s3a" => self.s3_builder(bucket)?,
            "oss" => self.oss_builder(bucket)?,
            other => {
                return Err(Error::BadLocation {
                    given: url.to_string(),
                    reason: format!("{other}:// is not an object store scheme"),
                })
            }
        };
        let store = builder.build().map_err(|e| Error::BadLocation {
            given: url.to_string(),
            reason: format!(
                "cannot configure the store: {}",
                redact(&e.to_string(), &self.secrets())
            ),
        })?;
        Ok(Arc::new(store))
    }

    fn base_builder(&self, bucket: &str) -> Result<AmazonS3Builder> {
        Ok(AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_client_options(self.client_options()?)
            .with_retry(self.retry_config()?))
    }

    /// `s3://`: every `AWS_*` variable object_store knows, in name order
    /// (so `AWS_ENDPOINT_URL` wins over `AWS_ENDPOINT`).
    fn s3_builder(&self, bucket: &str) -> Result<AmazonS3Builder> {
        let mut b = self.base_builder(bucket)?;
        let mut http_endpoint = false;
        for (key, value) in self.vars.iter().filter(|(k, _)| k.starts_with("AWS_")) {
            if let Ok(config) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                if matches!(
                    config,
                    AmazonS3ConfigKey::Endpoint | AmazonS3ConfigKey::S3Endpoint
                ) {
                    http_endpoint |= value.starts_with("http://");
                }
                if config == AmazonS3ConfigKey::Bucket {
                    continue; // the URL names the bucket
                }
                b = b.with_config(config, value);
            }
        }
        if http_endpoint && self.get(vars::AWS_ALLOW_HTTP).is_none() {
            b = b.with_allow_http(true);
        }
        Ok(b)
    }

    /// Where and how an `oss://` bucket is reached.
    pub fn oss_settings(&self, bucket: &str) -> Result<OssSettings> {
        let given = match (self.get(vars::OSS_ENDPOINT), self.get(vars::OSS_REGION)) {
            (Some(e), _) => e.to_string(),
            (None, Some(r)) => format!("oss-{}.aliyuncs.com", r.trim_start_matches("oss-")),
            (None, None) => {
                return Err(Error::invalid(
                    "oss:// configuration",
                    "set OSS_ENDPOINT (e.g. oss-cn-hangzhou.aliyuncs.com) or OSS_REGION (e.g. cn-hangzhou)",
                ))
            }
        };
        let with_scheme = if given.contains("://") {
            given.clone()
        } else {
            format!("https://{given}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| {
            Error::invalid(
                vars::OSS_ENDPOINT,
                format!("{given:?} is not an endpoint: {e}"),
            )
        })?;
        let host = url
            .host_str()
            .ok_or_else(|| Error::invalid(vars::OSS_ENDPOINT, format!("{given:?} has no host")))?;
        // Virtual-hosted addressing: the bucket is the first label of the host.
        let host = if host.starts_with(&format!("{bucket}.")) {
            host.to_string()
        } else {
            format!("{bucket}.{host}")
        };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let region = match self.get(vars::OSS_REGION) {
            Some(r) => r.trim_start_matches("oss-").to_string(),
            None => region_of_oss_host(url.host_str().unwrap_or_default()).ok_or_else(|| {
                Error::invalid(
                    "oss:// configuration",
                    format!("cannot tell the region from OSS_ENDPOINT {given:?}; set OSS_REGION (e.g. cn-hangzhou)"),
                )
            })?,
        };
        Ok(OssSettings {
            endpoint: format!("{}://{host}{port}", url.scheme()),
            region,
            allow_http: url.scheme() == "http",
        })
    }

    fn oss_builder(&self, bucket: &str) -> Result<AmazonS3Builder> {
        let s = self.oss_settings(bucket)?;
        let key = self.first(&[vars::OSS_ACCESS_KEY_ID, vars::ALIBABA_CLOUD_ACCESS_KEY_ID]);
        let secret = self.first(&[
            vars::OSS_ACCESS_KEY_SECRET,
            vars::ALIBABA_CLOUD_ACCESS_KEY_SECRET,
        ]);
        let (Some(key), Some(secret)) = (key, secret) else {
            return Err(Error::invalid(
                "oss:// configuration",
                "set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET",
            ));
        };
        let mut b = self
            .base_builder(bucket)?
            .with_endpoint(&s.endpoint)
            .with_virtual_hosted_style_request(true)
            .with_region(&s.region)
            .with_access_key_id(key)
            .with_secret_access_key(secret)
            .with_allow_http(s.allow_http);
        if let Some(token) =
            self.first(&[vars::OSS_SESSION_TOKEN, vars::ALIBABA_CLOUD_SECURITY_TOKEN])
        {
            b = b.with_token(token);
        }
        Ok(b)
    }

    /// The secret values in this configuration (to scrub messages).
    pub fn secrets(&self) -> Vec<&str> {
        self.vars
            .iter()
            .filter(|(k, v)| is_secret(k) && v.len() >= 4)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// `oss-cn-hangzhou.aliyuncs.com`, `s3.oss-cn-hangzhou-internal.aliyuncs.com`,
/// `bucket.oss-cn-hangzhou.aliyuncs.com` -> `cn-hangzhou`.
fn region_of_oss_host(host: &str) -> Option<String> {
    let label = host.split('.').find(|l| l.starts_with("oss-"))?;
    let region = label.strip_prefix("oss-")?;
    let region = region.strip_suffix("-internal").unwrap_or(region);
    (!region.is_empty() && host.ends_with(".aliyuncs.com")).then(|| region.to_string())
}

/// Replaces every secret in `text`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    secrets.iter().fold(text.to_string(), |t, s| {
        if s.is_empty() {
            t
        } else {
            t.replace(s, "<redacted>")
        }
    })
}

/// `500ms`, `30s`, `2m`, `1h` or plain seconds.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The variables the object stores are configured with: the AWS CLI's and
/// ossutil's names (and object_store's), plus logcount's retry knobs.
pub mod vars {
    /// S3 access key id.
    pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    /// S3 secret access key.
    pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
    /// S3 session token (temporary credentials).
    pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
    /// S3 region.
    pub const AWS_REGION: &str = "AWS_REGION";
    /// An S3-compatible server's endpoint (the AWS CLI's name).
    pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
    /// Allow plain HTTP to any endpoint.
    pub const AWS_ALLOW_HTTP: &str = "AWS_ALLOW_HTTP";
    /// OSS access key id.
    pub const OSS_ACCESS_KEY_ID: &str = "OSS_ACCESS_KEY_ID";
    /// OSS access key secret.
    pub const OSS_ACCESS_KEY_SECRET: &str = "OSS_ACCESS_KEY_SECRET";
    /// OSS endpoint, e.g. `oss-cn-hangzhou.aliyuncs.com`.
    pub const OSS_ENDPOINT: &str = "OSS_ENDPOINT";
    /// OSS session token (STS).
    pub const OSS_SESSION_TOKEN: &str = "OSS_SESSION_TOKEN";
    /// OSS region, e.g. `cn-hangzhou`.
    pub const OSS_REGION: &str = "OSS_REGION";
    /// Alibaba Cloud's name for the OSS access key id.
    pub const ALIBABA_CLOUD_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
    /// Alibaba Cloud's name for the OSS access key secret.
    pub const ALIBABA_CLOUD_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
    /// Alibaba Cloud's name for the OSS session token.
    pub const ALIBABA_CLOUD_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
    /// Attempts of one request before it fails (default 10).
    pub const STORE_MAX_RETRIES: &str = "LOGCOUNT_STORE_MAX_RETRIES";
    /// The first retry's backoff (default 100ms).
    pub const STORE_BACKOFF_INIT: &str = "LOGCOUNT_STORE_BACKOFF_INIT";
    /// The longest backoff (default 15s).
    pub const STORE_BACKOFF_MAX: &str = "LOGCOUNT_STORE_BACKOFF_MAX";
    /// The time one request may take with its retries (default 120s).
    pub const STORE_RETRY_TIMEOUT: &str = "LOGCOUNT_STORE_RETRY_TIMEOUT";
    /// The time one request attempt may take (default 60s).
    pub const STORE_TIMEOUT: &str = "LOGCOUNT_STORE_TIMEOUT";
    /// The time a connection may take to open.
    pub const STORE_CONNECT_TIMEOUT: &str = "LOGCOUNT_STORE_CONNECT_TIMEOUT";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, want) in [
            ("500ms", Some(Duration::from_millis(500))),
            ("30s", Some(Duration::from_secs(30))),
            ("30", Some(Duration::from_secs(30))),
            ("2m", Some(Duration::from_secs(120))),
            ("1h", Some(Duration::from_secs(3600))),
            ("0.5s", Some(Duration::from_millis(500))),
            ("", None),
            ("s", None),
            ("-1s", None),
            ("3 days", None),
        ] {
            assert_eq!(parse_duration(s), want, "{s:?}");
        }
    }

    /// Env vars set, and the (endpoint, region) they give or the error.
    type EndpointCase<'a> = (
        &'a [(&'a str, &'a str)],
        Result<(&'a str, &'a str), &'a str>,
    );

    #[test]
    fn oss_endpoints_and_regions() {
        let cases: &[EndpointCase] = &[
            (
                &[("OSS_ENDPOINT", "oss-cn-hangzhou.aliyuncs.com")],
                Ok(("https://b.oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou")),
            ),
            (
                &[(
                    "OSS_ENDPOINT",
                    "https://oss-cn-beijing-internal.aliyuncs.com",
                )],
                Ok((
                    "https://b.oss-cn-beijing-internal.aliyuncs.com",
                    "cn-beijing",
                )),
            ),
            (
                &[("OSS_ENDPOINT", "https://s3.oss-cn-shanghai.aliyuncs.com")],
                Ok(("https://b.s3.oss-cn-shanghai.aliyuncs.com", "cn-shanghai")),
            ),
            (
                &[("OSS_ENDPOINT", "https://b.oss-cn-hangzhou.aliyuncs.com")],
                Ok(("https://b.oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou")),
            ),
            (
                &[("OSS_REGION", "cn-shenzhen")],
                Ok(("https://b.oss-cn-shenzhen.aliyuncs.com", "cn-shenzhen")),
            ),
            (
                &[("OSS_REGION", "oss-cn-shenzhen")],
                Ok(("https://b.oss-cn-shenzhen.aliyuncs.com", "cn-shenzhen")),
            ),
            (
                &[
                    ("OSS_ENDPOINT", "http://localhost:9000"),
                    ("OSS_REGION", "test"),
                ],
                Ok(("http://b.localhost:9000", "test")),
            ),
            (
                &[("OSS_ENDPOINT", "http://localhost:9000")],
                Err("OSS_REGION"),
            ),
            (&[], Err("OSS_ENDPOINT")),
        ];
        for (vars, want) in cases {
            let got = StoreConfig::from_vars(vars.iter().copied()).oss_settings("b");
            match (got, want) {
                (Ok(s), Ok((endpoint, region))) => {
                    assert_eq!(
                        (s.endpoint.as_str(), s.region.as_str()),
                        (*endpoint, *region),
                        "{vars:?}"
                    );
                    assert_eq!(s.allow_http, endpoint.starts_with("http://"));
                }
                (Err(e), Err(needle)) => assert!(e.to_string().contains(needle), "{vars:?}: {e}"),
                (got, want) => panic!("{vars:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn oss_needs_credentials() {
        let c = StoreConfig::from_vars([("OSS_ENDPOINT", "oss-cn-hangzhou.aliyuncs.com")]);
        let e = c
            .build(&Url::parse("oss://b/k").unwrap())
            .expect_err("no credentials");
        assert!(e.to_string().contains("OSS_ACCESS_KEY_ID"), "{e}");
        let c = c
            .with_var("OSS_ACCESS_KEY_ID", "id")
            .with_var("OSS_ACCESS_KEY_SECRET", "s3cr3t-value");
        let store = c.build(&Url::parse("oss://b/k").unwrap()).unwrap();
        assert!(!format!("{store:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = StoreConfig::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKIDVISIBLE"),
            ("AWS_SECRET_ACCESS_KEY", "topsecretvalue"),
            ("AWS_SESSION_TOKEN", "tokenvalue123"),
            ("OSS_ACCESS_KEY_SECRET", "osssecretvalue"),
            ("HOME", "/root"),
        ]);
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDVISIBLE"), "{shown}");
        for s in ["topsecretvalue", "tokenvalue123", "osssecretvalue", "HOME"] {
            assert!(!shown.contains(s), "{s} shown in {shown}");
        }
        assert_eq!(redact("a topsecretvalue b", &c.secrets()), "a <redacted> b");
    }

    #[test]
    fn retry_knobs() {
        let r = StoreConfig::default().retry_config().unwrap();
        assert_eq!(
            (r.max_retries, r.retry_timeout),
            (DEFAULT_MAX_RETRIES, DEFAULT_RETRY_TIMEOUT)
        );
        let c = StoreConfig::from_vars([
            ("LOGCOUNT_STORE_MAX_RETRIES", "3"),
            ("LOGCOUNT_STORE_RETRY_TIMEOUT", "5s"),
        ]);
        let r = c.retry_config().unwrap();
        assert_eq!(
            (r.max_retries, r.retry_timeout),
            (3, Duration::from_secs(5))
        );
        let bad = StoreConfig::from_vars([("LOGCOUNT_STORE_TIMEOUT", "soon")]);
        assert!(bad
            .client_options()
            .unwrap_err()
            .to_string()
            .contains("LOGCOUNT_STORE_TIMEOUT"));
    }

    #[test]
    fn s3_builds_from_aws_variables() {
        let c = StoreConfig::from_vars([
            ("AWS_ACCESS_KEY_ID", "id"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_PROFILE", "ignored-unknown-key"),
        ]);
        let store = c.build(&Url::parse("s3://bkt/x").unwrap()).unwrap();
        assert!(store.to_string().contains("bkt"), "{store}");
        assert!(c.build(&Url::parse("s3:///x").unwrap()).is_err());
    }
}
