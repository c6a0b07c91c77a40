//! wattson: a Git-native efficiency bot.
//!
//! The crate is laid out as the design has it: `lang` (grammars, parsing,
//! function names), `skills` (rewrite expertise loaded from `rewrites/`),
//! `scan` (walking a tree and running skills in parallel) and `report`
//! (text, JSON, SARIF and diff output). `main.rs` is a thin CLI over them.

pub mod app;
pub mod config;
pub mod evidence;
pub mod files;
pub mod forge;
pub mod index;
pub mod lang;
pub mod numbers;
pub mod ops;
pub mod pipeline;
pub mod profile;
pub mod proposal;
pub mod regress;
pub mod report;
pub mod scan;
pub mod skills;
