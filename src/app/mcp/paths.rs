//! Confining path arguments to the repository root: no `..`, and whatever a
//! path names after every symlink is resolved must lie under the root.

use std::path::{Component, Path, PathBuf};

use super::ToolError;

/// Resolve `arg` (relative to `root`, or absolute) to an existing path under
/// `root`, which must itself be canonical.
pub fn confine(root: &Path, arg: &str, what: &str) -> Result<PathBuf, ToolError> {
    if arg.contains('\0') {
        return Err(ToolError::invalid(format!(
            "{what} `{}`: a NUL byte is not allowed",
            arg.escape_default()
        )));
    }
    let path = Path::new(if arg.is_empty() { "." } else { arg });
    if path.components().any(|c| c == Component::ParentDir) {
        return Err(ToolError::invalid(format!(
            "{what} `{arg}`: `..` is not allowed; paths are relative to the repository root {}",
            root.display()
        )));
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let canonical = std::fs::canonicalize(&joined).map_err(|e| {
        ToolError::invalid(format!(
            "{what} `{arg}`: {e} (paths are relative to the repository root {})",
            root.display()
        ))
    })?;
    if !canonical.starts_with(root) {
        return Err(ToolError::invalid(format!(
            "{what} `{arg}` resolves to {}, outside the repository root {} (symlinks may not leave it)",
            canonical.display(),
            root.display()
        )));
    }
    Ok(canonical)
}

/// Reject revision arguments that are not plausibly a revision (an option, a
/// control character, an absurd length) before git sees them.
pub fn revision<'a>(arg: &'a str, what: &str) -> Result<&'a str, ToolError> {
    let ok = !arg.is_empty()
        && arg.len() <= 256
        && !arg.starts_with('-')
        && !arg.chars().any(|c| c.is_control());
    if ok {
        Ok(arg)
    } else {
        Err(ToolError::invalid(format!(
            "{what} `{}` is not a revision",
            arg.escape_default()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.cpp"), "int x;\n").unwrap();
        assert_eq!(
            confine(&root, "src/a.cpp", "path").unwrap(),
            root.join("src/a.cpp")
        );
        assert_eq!(confine(&root, "", "path").unwrap(), root);
        assert_eq!(
            confine(&root, &root.join("src").display().to_string(), "path").unwrap(),
            root.join("src")
        );
        for bad in [
            "../x",
            "src/../../etc",
            "/etc/passwd",
            "missing.cpp",
            "a\0b",
        ] {
            assert!(confine(&root, bad, "path").is_err(), "{bad}");
        }
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
        let err = confine(&root, "escape", "path").unwrap_err();
        assert!(
            err.message().contains("outside the repository root"),
            "{err:?}"
        );
    }

    #[test]
    fn revisions_are_not_options() {
        assert!(revision("HEAD~2", "base").is_ok());
        assert!(revision("--upload-pack=x", "base").is_err());
        assert!(revision("", "base").is_err());
        assert!(revision("a\nb", "base").is_err());
    }
}
