//! The on-disk format of a skill: one TOML file in `rewrites/<lang>/<name>.toml`.
//!
//! The format is data a performance engineer writes, so it is strict: unknown
//! keys are errors (a typo in `leave-alone` must not silently drop the tests).

use serde::{Deserialize, Serialize};

/// How much a reviewer must think before merging a skill's rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// The guards prove the rewrite; a pull request may be opened on its own.
    Auto,
    /// Offered, but labelled as needing human judgement (e.g. it relies on a
    /// type or an API contract that the guards can only approximate).
    Review,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillSpec {
    /// `<lang>/<name>`, matching the file's place under `rewrites/`.
    pub id: String,
    pub title: String,
    pub tier: Tier,
    /// The rewrite saves at most a move or a few instructions however hot the
    /// code is (`emplace_back` of a temporary, a one-character pattern): run
    /// only when asked for by id or with `--skill all`, as clippy's pedantic
    /// group, so that default reports hold findings worth a review.
    #[serde(default)]
    pub pedantic: bool,
    /// Why the rewrite is faster: one paragraph a reviewer can read.
    pub why: String,
    /// The finding's message; `{name}` refers to a capture or a guard binding.
    pub message: String,
    /// A tree-sitter query. The `@match` capture, if any, is the finding's region.
    pub query: String,
    /// Named guards, e.g. `not-used-after(@var, @stmt)`; a leading `!` negates.
    #[serde(default)]
    pub guards: Vec<String>,
    /// Edit operations, e.g. `replace(@call, "{recv}")`.
    pub edit: Vec<String>,
    /// Other skills whose rewrite this one's result typically enables; the fix
    /// loop rescans after every round anyway, this documents the cascade.
    #[serde(default)]
    pub enables: Vec<String>,
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
    #[serde(default, rename = "leave-alone")]
    pub leave_alone: Vec<LeaveAlone>,
    /// Other forms of the same rewrite a reviewer may prefer, picked with
    /// `@wattson refine variant <name>`; the guards stay the same.
    #[serde(default, rename = "variant")]
    pub variants: Vec<VariantSpec>,
}

/// Another form of a skill's rewrite: the same finding, a different edit.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// A short kebab-case name, as reviewers type it.
    pub name: String,
    /// What this form writes instead, and when a reviewer would want it.
    pub description: String,
    pub edit: Vec<String>,
    /// At least one `before`/`after` pair, rewritten exactly so.
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
}

/// Code that must be rewritten exactly to `after`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub before: String,
    pub after: String,
}

/// Code that must not be touched, with the reason the rewrite would be wrong.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LeaveAlone {
    pub code: String,
    pub why: String,
}
