//! A real S3-compatible server on 127.0.0.1 for the tests: `s3s-fs` (files in
//! a temporary directory) served in-process by hyper on its own thread and
//! runtime, so step binaries started by a test reach it too. A small layer in
//! front injects faults on demand: 503 SlowDown, connections dropped with no
//! answer, GET bodies cut in the middle.
//!
//! [`S3Server::shared`] is one server per test binary (each caller gets its own
//! bucket); [`S3Server::start`] a private one (fault tests, virtual hosts).
#![allow(dead_code)]

use super::Backend;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::StreamBody;
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use logcount::store::Stores;
use logcount::store_config::StoreConfig;
use s3s::auth::SimpleAuth;
use s3s::host::MultiDomain;
use s3s::service::{S3Service, S3ServiceBuilder};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// The test server's credentials. The secret is also the known value the
/// leak tests look for in every output.
pub const ACCESS_KEY: &str = "logcount-test-access-key";
pub const SECRET_KEY: &str = "S3CR3T-logcount-test-9f8e7d6c5b4a";
pub const REGION: &str = "us-east-1";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SLOW_DOWN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
<Message>Please reduce your request rate.</Message><RequestId>test</RequestId></Error>";

const NO_SUCH_KEY: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
<Message>The specified key does not exist.</Message></Error>";

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Which faults to inject: every n-th request (0 = never), counted over all
/// requests to the server.
#[derive(Debug, Default)]
pub struct Faults {
    slow_down_every: AtomicU64,
    drop_every: AtomicU64,
    truncate_every: AtomicU64,
    requests: AtomicU64,
    /// Bytes asked for by ranged GETs (the `Range` header), in all.
    range_bytes: AtomicU64,
    slow_downs: AtomicU64,
    drops: AtomicU64,
    truncations: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    SlowDown,
    Drop,
    Truncate,
}

impl Faults {
    /// Answers every `slow_down`-th request 503 SlowDown, drops the connection
    /// of every `drop`-th, cuts the body of every `truncate`-th GET.
    pub fn set(&self, slow_down: u64, drop: u64, truncate: u64) {
        self.slow_down_every.store(slow_down, Ordering::SeqCst);
        self.drop_every.store(drop, Ordering::SeqCst);
        self.truncate_every.store(truncate, Ordering::SeqCst);
    }

    pub fn off(&self) {
        self.set(0, 0, 0);
    }

    /// Requests served, and faults injected: (requests, slow downs, drops, truncations).
    pub fn stats(&self) -> (u64, u64, u64, u64) {
        (
            self.requests.load(Ordering::SeqCst),
            self.slow_downs.load(Ordering::SeqCst),
            self.drops.load(Ordering::SeqCst),
            self.truncations.load(Ordering::SeqCst),
        )
    }

    /// Bytes asked for by ranged GETs since the server started.
    pub fn range_bytes(&self) -> u64 {
        self.range_bytes.load(Ordering::SeqCst)
    }

    /// Adds the length a `Range: bytes=a-b` header asks for.
    fn note_range(&self, range: Option<&hyper::header::HeaderValue>) {
        let asked = range
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes="))
            .and_then(|v| v.split_once('-'))
            .and_then(|(a, b)| Some(b.parse::<u64>().ok()? + 1 - a.parse::<u64>().ok()?));
        if let Some(n) = asked {
            self.range_bytes.fetch_add(n, Ordering::SeqCst);
        }
    }

    fn next(&self, is_get: bool) -> Fault {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let hit = |every: &AtomicU64| {
            let e = every.load(Ordering::SeqCst);
            e > 0 && n.is_multiple_of(e)
        };
        if hit(&self.slow_down_every) {
            self.slow_downs.fetch_add(1, Ordering::SeqCst);
            Fault::SlowDown
        } else if hit(&self.drop_every) {
            self.drops.fetch_add(1, Ordering::SeqCst);
            Fault::Drop
        } else if is_get && hit(&self.truncate_every) {
            Fault::Truncate
        } else {
            Fault::None
        }
    }
}

/// A running server; stopped when dropped.
pub struct S3Server {
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    pub port: u16,
    /// The directory holding the buckets.
    pub root: PathBuf,
    pub faults: Arc<Faults>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl S3Server {
    /// One server for the whole test binary.
    pub fn shared() -> &'static S3Server {
        static SHARED: OnceLock<S3Server> = OnceLock::new();
        SHARED.get_or_init(|| S3Server::start(false))
    }

    /// A private server. With `virtual_hosts`, `<bucket>.localhost:<port>`
    /// names a bucket (virtual-hosted addressing, as OSS requires).
    pub fn start(virtual_hosts: bool) -> S3Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let faults = Arc::new(Faults::default());
        let service = {
            let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs root");
            let mut b = S3ServiceBuilder::new(fs);
            b.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            if virtual_hosts {
                b.set_host(MultiDomain::new([format!("localhost:{port}")]).unwrap());
            }
            b.build()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let f = faults.clone();
        let root_for_server = Arc::new(root.clone());
        let thread = std::thread::Builder::new()
            .name(format!("s3-server-{port}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(serve(listener, service, f, root_for_server, stopped));
            })
            .unwrap();
        S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            root,
            faults,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// Creates a fresh, empty bucket and returns its name.
    pub fn create_bucket(&self) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "b{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        std::fs::create_dir(self.root.join(&name)).expect("creating a bucket");
        name
    }

    /// Parts of multipart uploads neither completed nor aborted (s3s-fs keeps
    /// them as `.upload_id-<id>.part-<n>` files in its root).
    pub fn pending_parts(&self) -> Vec<String> {
        std::fs::read_dir(&self.root)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(".upload_id-"))
            .collect()
    }

    /// The variables a user (or Argo) would set to reach this server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", REGION),
            // Quick retries so fault tests stay short; still bounded.
            ("LOGCOUNT_STORE_BACKOFF_INIT", "5ms"),
            ("LOGCOUNT_STORE_BACKOFF_MAX", "100ms"),
            ("LOGCOUNT_STORE_RETRY_TIMEOUT", "30s"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Stores configured for this server (from [`S3Server::env`]).
    pub fn stores(&self) -> Stores {
        Stores::with_config(StoreConfig::from_vars(self.env()))
    }

    /// (endpoint URL, a fresh bucket, access key, secret key, stores).
    pub fn fixture(&self) -> (String, String, (&'static str, &'static str), Stores) {
        (
            self.endpoint.clone(),
            self.create_bucket(),
            (ACCESS_KEY, SECRET_KEY),
            self.stores(),
        )
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    service: S3Service,
    faults: Arc<Faults>,
    root: Arc<PathBuf>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let socket = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => {
                    // Headers and body go out in separate writes: without this,
                    // Nagle and delayed ACKs add 40 ms to every GET.
                    let _ = s.set_nodelay(true);
                    s
                }
                Err(_) => continue,
            },
            _ = &mut stopped => return,
        };
        let service = service.clone();
        let faults = faults.clone();
        let root = root.clone();
        let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
            let service = service.clone();
            let faults = faults.clone();
            let root = root.clone();
            async move { faulty(service, faults, root, req).await }
        });
        tokio::spawn(async move {
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), svc)
                .await;
        });
    }
}

async fn faulty(
    s3: S3Service,
    faults: Arc<Faults>,
    root: Arc<PathBuf>,
    req: Request<Incoming>,
) -> Result<Response<s3s::Body>, Cut> {
    let is_get = req.method() == hyper::Method::GET;
    if is_get {
        faults.note_range(req.headers().get(hyper::header::RANGE));
    }
    // s3s-fs answers 500 for a key naming one of its directories; S3 says 404.
    let is_read = is_get || req.method() == hyper::Method::HEAD;
    let key = req.uri().path().trim_start_matches('/');
    if is_read
        && key.contains('/')
        && !key.ends_with('/')
        && !key.contains("..")
        && req.uri().query().is_none()
    {
        let decoded = percent_decode(key);
        if root.join(&decoded).is_dir() {
            faults.requests.fetch_add(1, Ordering::SeqCst);
            return Ok(Response::builder()
                .status(404)
                .header("content-type", "application/xml")
                .body(s3s::Body::from(NO_SUCH_KEY.to_string()))
                .expect("a valid response"));
        }
    }
    match faults.next(is_get) {
        Fault::SlowDown => Ok(Response::builder()
            .status(503)
            .header("content-type", "application/xml")
            .body(s3s::Body::from(SLOW_DOWN.to_string()))
            .expect("a valid response")),
        Fault::Drop => Err(Cut("injected fault: connection dropped".into())),
        fault => {
            let resp = s3
                .call(req.map(s3s::Body::from))
                .await
                .map_err(|e| Cut(BoxError::from(e).to_string()))?;
            if fault == Fault::Truncate {
                Ok(truncate(resp, &faults))
            } else {
                Ok(resp)
            }
        }
    }
}

/// Sends half of a successful GET's body, then breaks the connection.
fn truncate(resp: Response<s3s::Body>, faults: &Faults) -> Response<s3s::Body> {
    let len: usize = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    if !resp.status().is_success() || len < 2 {
        return resp;
    }
    faults.truncations.fetch_add(1, Ordering::SeqCst);
    let cut = len / 2;
    let (parts, body) = resp.into_parts();
    // State: the body, bytes still to send before the cut; None once cut.
    let stream = futures::stream::unfold(Some((body, cut)), |state| async move {
        let (mut body, left) = state?;
        if left == 0 {
            return Some((Err(Cut("injected fault: body cut".into())), None));
        }
        match body.next().await {
            Some(Ok(mut b)) => {
                b.truncate(left);
                let left = left - b.len();
                Some((Ok(Frame::data(b)), Some((body, left))))
            }
            Some(Err(e)) => Some((Err(Cut(e.to_string())), None)),
            None => None,
        }
    });
    Response::from_parts(parts, s3s::Body::http_body_unsync(StreamBody::new(stream)))
}

/// The error a dropped connection or a cut body ends with.
#[derive(Debug)]
struct Cut(String);

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Cut {}

/// Resolves every name to 127.0.0.1 (virtual-hosted `<bucket>.localhost`).
#[derive(Debug)]
pub struct Loopback;

impl object_store::client::DnsResolver for Loopback {
    fn resolve(&self, _host: &str) -> object_store::client::DnsFuture {
        Box::pin(async { Ok(vec![std::net::IpAddr::from([127, 0, 0, 1])]) })
    }
}

impl Backend {
    /// A fresh bucket on the shared S3 test server, reached through `s3://`.
    pub fn s3() -> Backend {
        let server = S3Server::shared();
        Backend {
            name: "s3",
            stores: server.stores(),
            base: format!("s3://{}/", server.create_bucket()),
            _guard: None,
        }
    }
}

/// Bytes of an object written through the stores.
pub async fn put(stores: &Stores, url: &str, data: impl Into<Bytes>) {
    let loc = stores.open(url).unwrap();
    logcount::store::write_once(&loc, data.into())
        .await
        .unwrap();
}
