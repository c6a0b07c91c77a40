//! Evidence: build, test and measure a change on the base and patched trees.

pub mod interrupt;
pub mod run;
pub mod worktree;
