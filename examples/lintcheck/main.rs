//! wattson's lintcheck, in the spirit of clippy's: run the skills over real
//! code and keep what they find under review.
//!
//! ```sh
//! cargo run --release --example lintcheck -- fixes   [--mirrors DIR] [--skills DIR] [--only KIND] [--out FILE]
//! cargo run --release --example lintcheck -- corpus  [--mirrors DIR] [--skills DIR] [--only REPO] [--out FILE]
//! cargo run --release --example lintcheck -- labels
//! cargo run --release --example lintcheck -- types FILE LINE
//! cargo run --release --example lintcheck -- compile [--out FILE]
//! ```
//!
//! * `fixes`: real, merged human performance fixes (`lintcheck/fixes.toml`)
//!   re-found by scanning each file inside its tree at the fix's parent, and
//!   real code where a rewrite would be wrong (`lintcheck/leave-alone.toml`)
//!   left alone.
//! * `corpus`: the pinned public repositories of `lintcheck/corpus.toml`
//!   scanned with default settings; the findings go to `lintcheck/findings.md`.
//! * `labels`: the labelled sample (`lintcheck/labels.toml`) summarised per
//!   skill: useful, trivial, wrong, and in non-production code.
//! * `compile`: every fix applied to crates of our own `Cargo.lock` and to
//!   libstdc++, and the fixed code compiled.
//!
//! `--skills DIR` runs skills from a directory laid out like `rewrites/`
//! instead of the built-in ones; `WATTSON_TRACE=guards` makes `fixes` say
//! which guard turned down a candidate near each missed fix.
//!
//! The repositories come from bare mirrors outside this repository (see
//! `checkout.rs`); CI has no network, so this is a tool, not a test.

mod checkout;
mod compile;
mod corpus;
mod fixes;
mod labels;
mod types;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    wattson::lang::use_fast_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let out = value("--out").map(PathBuf::from);
    let mirrors = value("--mirrors").map(PathBuf::from);
    let only = value("--only");
    let set = match value("--skills") {
        Some(dir) => wattson::skills::SkillSet::from_dir(std::path::Path::new(&dir))?,
        None => wattson::skills::SkillSet::builtin()?,
    };
    match args.first().map(String::as_str) {
        Some("fixes") => fixes::run(&set, mirrors, out, only),
        // The corpus is what a user sees: the default skills.
        Some("corpus") => corpus::run(&set.select(&[])?, mirrors, out, only),
        Some("labels") => labels::run(),
        Some("types") => {
            let file = args.get(1).map(PathBuf::from).context("types FILE LINE")?;
            let line = args
                .get(2)
                .and_then(|l| l.parse().ok())
                .context("types FILE LINE")?;
            types::run(&set, file, line)
        }
        Some("compile") | None => compile::run(out),
        Some(other) => {
            bail!("unknown lintcheck command `{other}` (fixes, corpus, labels, compile)")
        }
    }
}
