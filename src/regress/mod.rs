//! Defense: regressions in performance feeds, the commit behind each, and
//! its revert.

pub mod attribute;
pub mod revert;
