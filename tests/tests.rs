//! logcount's integration tests, gathered in one test binary (ripgrep's
//! layout): the step binaries and `logcount run` as a workflow engine starts
//! them, and the library pipeline on every storage backend (local files,
//! memory, the in-process S3 test server of `common::s3`). One crate links the
//! S3 server and the rest of the test support once instead of once per file.
//!
//! Everything: `cargo test --release --test tests`. One module, or one test:
//! `cargo test --release --test tests pipeline::`,
//! `cargo test --release --test tests s3_faults::permanent_failure_is_bounded_and_named`.
//!
//! All modules share one process: a test must not change process-wide state
//! (environment variables, the working directory) and passes configuration
//! explicitly instead; [`common::s3::S3Server::shared`] is one server for the
//! whole binary, each caller on its own bucket. The count strategies against
//! the naive oracle are unit tests of the library (`src/engine/strategy_tests.rs`),
//! so that they also cross-run on aarch64 without building this crate.

// `suite!` (defined in common) is visible to every module declared after it.
#[macro_use]
mod common;

mod architecture;
mod argo;
mod chaos;
mod cli;
mod cli_inputs;
mod cli_output;
mod compressed;
mod containers;
mod datasets;
mod golden;
mod hostile;
mod local_fast_path;
mod match_options;
mod pipeline;
mod process_executor;
mod report;
mod s3_cli;
mod s3_faults;
mod timeline;
mod timeline_formats;
mod words;
mod words_normalize;
mod words_refusals;
mod words_shuffle;
mod words_steps;
