//! The files of a checkout: finding the C++ and Rust sources under a path
//! (respecting `.gitignore`, `.ignore` and hidden files, like ripgrep) and
//! reading one only when wattson may trust it (not too large, UTF-8).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::lang::Lang;

/// Default cap on file size: generated or vendored giants are not worth a
/// rewrite and would dominate scan time.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// A source file found under the scanned path.
#[derive(Clone, Debug, Serialize)]
pub struct SourceFile {
    /// Path relative to the scanned root, with `/` separators (for reports).
    pub path: String,
    #[serde(skip)]
    pub abs: PathBuf,
    pub lang: Lang,
}

/// Find the source files under `root` in one of `langs` (all files of a
/// known language when `root` is a file).
pub fn discover(root: &Path, langs: &[Lang]) -> Result<Vec<SourceFile>> {
    if !root.exists() {
        bail!("{}: no such file or directory", root.display());
    }
    if root.is_file() {
        let lang = Lang::from_path(root)
            .with_context(|| format!("{}: not a C++ or Rust source file", root.display()))?;
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![SourceFile {
            path: name,
            abs: root.to_path_buf(),
            lang,
        }]);
    }
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                tracing::warn!("{err}");
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(lang) = Lang::from_path(entry.path()) else {
            continue;
        };
        if !langs.contains(&lang) {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        out.push(SourceFile {
            path: rel.to_string_lossy().replace('\\', "/"),
            abs: entry.path().to_path_buf(),
            lang,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Read a file if it is one wattson may touch: readable, not too large, UTF-8.
pub fn read_source(file: &SourceFile, max_size: u64) -> Result<String, String> {
    let meta = fs::metadata(&file.abs).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > max_size {
        return Err(format!(
            "too large ({} bytes > --max-file-size {max_size})",
            meta.len()
        ));
    }
    let bytes = fs::read(&file.abs).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}
