//! A small S3-compatible server for the container tests: `s3s-fs` (buckets
//! are directories of ROOT) served by hyper on ADDR. The credentials are read
//! from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, the names the steps
//! read them by. `workloads/image.sh --s3-server` builds it statically into a
//! `FROM scratch` image, to run on a private docker network.
//!
//! Usage: `s3_server ROOT [ADDR]` (ADDR defaults to 0.0.0.0:9000).

use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let root = args.next().ok_or("usage: s3_server ROOT [ADDR]")?;
    let addr = args.next().unwrap_or_else(|| "0.0.0.0:9000".into());
    let key = std::env::var("AWS_ACCESS_KEY_ID").map_err(|_| "AWS_ACCESS_KEY_ID is not set")?;
    let secret =
        std::env::var("AWS_SECRET_ACCESS_KEY").map_err(|_| "AWS_SECRET_ACCESS_KEY is not set")?;
    let service = {
        let mut b = S3ServiceBuilder::new(
            s3s_fs::FileSystem::new(&root).map_err(|e| format!("s3s-fs root {root}: {e:?}"))?,
        );
        b.set_auth(SimpleAuth::from_single(key, secret));
        b.build()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind(&addr))?;
    eprintln!("s3_server: serving {root} on {addr}");
    rt.block_on(async move {
        loop {
            let (socket, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => continue,
            };
            let _ = socket.set_nodelay(true);
            let service = service.clone();
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    })
}
