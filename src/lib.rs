//! logcount: count keywords in big logs held in object storage, as a
//! split → count × N → merge pipeline whose steps drop into an Argo Workflows
//! fan-out/fan-in DAG.
//!
//! The pure core has no I/O: [`keywords`] (validated keyword sets), [`cut`]
//! (line-aligned byte ranges), [`engine`] (exact, parallel keyword counting),
//! [`aggregate`] (line stitching and the counting modes, above the engine)
//! and [`wire`] (the files the steps exchange). [`store`] is the storage
//! glue over `object_store`; [`steps`] are split, count and merge over both;
//! [`run`] runs the whole DAG on one machine; the command-line front ends
//! that the binaries call are the `logcount-cli` crate (`cli/`); [`gen`]
//! makes realistic test logs; [`budget`] sizes a step to its pod (cgroup
//! memory limit and CPU quota).

pub mod aggregate;
pub mod argo;
pub mod budget;
pub mod cut;
pub mod decompress;
pub mod engine;
pub mod error;
pub mod gen;
pub mod keywords;
pub mod named;
pub mod normalize;
pub mod report;
pub mod run;
pub mod shuffle;
pub mod spec;
pub mod steps;
pub mod store;
pub mod store_config;
pub mod timeline;
pub mod wire;
pub mod words;

pub use error::{Error, Result};
