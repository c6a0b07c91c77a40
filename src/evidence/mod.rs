//! Evidence: build, test and measure a change on the base and patched trees.
//!
//! `ab` is the A/B runner (worktrees, interleaved runs), `formats` reads the
//! benchmark tools' output, `stats` turns two samples into a change with an
//! interval, a p-value and a verdict, and `report` renders the evidence for
//! a pull request (markdown) or a program (JSON).

pub mod ab;
pub mod config;
pub mod formats;
pub mod interrupt;
pub mod report;
pub mod run;
pub mod stats;
pub mod worktree;

pub use config::EvidenceConfig;
