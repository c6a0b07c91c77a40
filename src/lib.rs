//! wattson: a Git-native efficiency bot.
//!
//! `ARCHITECTURE.md` is the map. From the top: `app` (the front ends: the
//! command line, the MCP server, the GitHub Action and the GitHub App) calls
//! `ops` (one function per use case), which runs `pipeline` (offense and
//! defense), which uses `scan`, `regress`, `evidence` and `forge`; below them
//! `proposal`, `report`, `skills`, `index`, `profile`, `config`, `numbers`
//! and `lang`. Arrows point down only.

pub mod app;
pub mod config;
pub mod evidence;
pub mod files;
pub mod forge;
pub mod index;
pub mod infer;
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
pub mod spread;
