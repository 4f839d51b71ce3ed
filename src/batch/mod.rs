//! Batch runs: one config → every requested figure of every dataset, in
//! parallel, resumable, shardable across a cluster's array tasks.

pub mod config;
pub mod lines;
pub mod manifest;
pub mod plan;
pub(crate) mod progress;
pub mod run;

pub use config::Config;
pub use manifest::Manifest;
pub use plan::Plan;
pub use progress::{ProgressHook, RunEvent};
pub use run::{run, RunOptions, Summary};
