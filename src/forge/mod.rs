//! Publishing proposals. The local forge writes a branch and a markdown
//! description into the repository itself; the GitHub forge pushes the
//! branch and opens a pull request. Either way the rules are the same: never the default
//! branch, never over a commit wattson did not make.

pub mod github;
pub mod local;

use anyhow::Result;
use git2::Oid;

use crate::proposal::Proposal;

/// Where a proposal went.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Published {
    pub branch: String,
    /// A URL or path a person can open.
    pub location: String,
    /// The same fingerprint was already published and was brought up to date.
    pub updated: bool,
}

pub trait Forge {
    /// Publish a verified proposal whose commit already exists in the repository.
    fn publish(&self, proposal: &Proposal, commit: Oid) -> Result<Published>;

    /// Why this proposal must not be made at all (a reviewer declined it
    /// before, or it was merged), checked before it is measured.
    fn declined(&self, _proposal: &Proposal) -> Result<Option<String>> {
        Ok(None)
    }
}

pub use crate::proposal::{BOT_EMAIL, BOT_NAME};
