//! A proposal: one skill's rewrite of one file, with everything a reviewer
//! needs to judge it (why it is faster, where it applies, how hot that code
//! is, and the evidence), and the fingerprint that identifies it across runs.

pub mod commands;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::evidence::ab::Evidence;
use crate::evidence::report;
use crate::profile::index::Heat;

/// Where a proposal's rewrite applies.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Site {
    pub path: String,
    pub line: usize,
    pub function: Option<String>,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Proposal {
    pub skill: String,
    pub title: String,
    /// Why the rewrite is faster (the skill's own paragraph).
    pub why: String,
    pub path: String,
    pub sites: Vec<Site>,
    /// The hottest site's weight, when a profile was given.
    pub heat: Option<Heat>,
    /// The unified diff of the rewrite.
    pub patch: String,
    pub fingerprint: String,
    pub evidence: Option<Evidence>,
    /// More sections for the description, as (heading, markdown): a revert
    /// carries its regression, chart and attribution here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<(String, String)>,
    /// The skill's variant a reviewer picked, when not its main rewrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// The name wattson commits under; a branch tip by anyone else is a human's.
pub const BOT_NAME: &str = "wattson";
pub const BOT_EMAIL: &str = "wattson@users.noreply.localhost";

/// The marker a proposal's description carries, so a forge can find the
/// proposal again without a database.
pub const FINGERPRINT_MARKER: &str = "wattson:fingerprint=";

impl Proposal {
    /// A stable identity for "this skill, this file, this rewrite": the same
    /// change found again (even after unrelated lines moved) has the same one.
    pub fn fingerprint_of(skill: &str, path: &str, patch: &str) -> String {
        let mut h = Sha256::new();
        h.update(skill.as_bytes());
        h.update([0]);
        h.update(path.as_bytes());
        h.update([0]);
        // Only the changed lines, not the hunk positions or context.
        for line in patch.lines() {
            let changed = (line.starts_with('+') && !line.starts_with("+++"))
                || (line.starts_with('-') && !line.starts_with("---"));
            if changed {
                h.update(line.trim_end().as_bytes());
                h.update([b'\n']);
            }
        }
        h.finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// `wattson/<skill name>/<fingerprint>`: never a default branch.
    pub fn branch_name(&self) -> String {
        let short = self.skill.replace('/', "-");
        format!("wattson/{short}/{}", self.fingerprint)
    }

    /// The pull request's title.
    pub fn pr_title(&self) -> String {
        // The hottest place names the change when a profile says which.
        if self.skill == "revert" {
            return format!("perf: {}", self.title);
        }
        let where_ = self
            .heat
            .as_ref()
            .map(|h| h.function.clone())
            .or_else(|| self.sites.first().and_then(|s| s.function.clone()))
            .unwrap_or_else(|| self.path.clone());
        format!("perf: {} in {where_}", lowercase_first(&self.title))
    }

    /// The pull request's description, in markdown.
    pub fn pr_body(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "**{}** (`{}`), in `{}`.\n\n",
            self.title, self.skill, self.path
        ));
        out.push_str(if self.skill == "revert" {
            "### Why\n\n"
        } else {
            "### Why it is faster\n\n"
        });
        out.push_str(self.why.trim());
        out.push_str("\n\n### Where\n\n");
        for s in &self.sites {
            let func = s
                .function
                .as_deref()
                .map(|f| format!(" in `{f}`"))
                .unwrap_or_default();
            out.push_str(&format!("- `{}:{}`{func}: {}\n", s.path, s.line, s.message));
        }
        for (heading, text) in &self.sections {
            out.push_str(&format!("\n### {heading}\n\n{}\n", text.trim_end()));
        }
        if let Some(h) = &self.heat {
            out.push_str(&format!(
                "\n### How hot\n\n`{}` takes {:.1}% of the profile by itself ({:.1}% with what it calls)",
                h.function, h.self_percent, h.inclusive_percent
            ));
            if let (Some((a, b)), Some(l)) = (h.loop_lines, h.loop_inclusive_percent) {
                // Inlined code often sits at other lines; a near-zero share
                // says more about line tables than about the loop.
                if l >= 0.1 {
                    out.push_str(&format!("; the loop at lines {a}–{b} {l:.1}%"));
                }
            }
            out.push_str(".\n");
        }
        if let Some(ev) = &self.evidence {
            out.push_str("\n### Evidence\n\n");
            out.push_str(&report::markdown(ev));
        }
        out.push_str("\n<details><summary>The change</summary>\n\n```diff\n");
        out.push_str(&self.patch);
        if !self.patch.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("```\n\n</details>\n\n");
        out.push_str(&crate::proposal::commands::footer());
        out.push_str(&format!(
            "\n<!-- {FINGERPRINT_MARKER}{} skill={} path={}{} -->\n",
            self.fingerprint,
            self.skill,
            self.path.replace(' ', "%20"),
            self.variant
                .as_deref()
                .map(|v| format!(" variant={v}"))
                .unwrap_or_default()
        ));
        out
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_positions_but_not_changes() {
        let a = "--- a/x.cpp\n+++ b/x.cpp\n@@ -10,3 +10,3 @@\n ctx\n-for (auto w : ws)\n+for (const auto& w : ws)\n";
        let moved = a.replace("@@ -10,3 +10,3 @@", "@@ -40,3 +40,3 @@");
        let other = a.replace("const auto&", "auto&&");
        let fp = Proposal::fingerprint_of("cpp/range-for-const-ref", "x.cpp", a);
        assert_eq!(fp.len(), 12);
        assert_eq!(
            fp,
            Proposal::fingerprint_of("cpp/range-for-const-ref", "x.cpp", &moved)
        );
        assert_ne!(
            fp,
            Proposal::fingerprint_of("cpp/range-for-const-ref", "x.cpp", &other)
        );
        assert_ne!(
            fp,
            Proposal::fingerprint_of("cpp/range-for-const-ref", "y.cpp", a)
        );
    }
}
