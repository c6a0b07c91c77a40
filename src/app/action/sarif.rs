//! SARIF for code scanning, whose paths are from the repository's root.

use super::*;

/// The repository root and `path`'s place in it (`"sub/dir/"`), when the scan
/// root is a directory below the root of a git checkout.
pub(super) fn sarif_prefix(path: &Path) -> Option<(PathBuf, String)> {
    if !path.is_dir() {
        return None;
    }
    let root = repo_root(path)?;
    let abs = std::fs::canonicalize(path).ok()?;
    let sub = abs.strip_prefix(&root).ok()?;
    if sub.as_os_str().is_empty() {
        return None;
    }
    let mut prefix = sub.to_string_lossy().replace('\\', "/");
    prefix.push('/');
    Some((root, prefix))
}

/// Make the SARIF's `%SRCROOT%` the repository's root: every artifact
/// location under it gets `prefix` in front.
pub(super) fn rebase_sarif(sarif: &mut Value, root: &Path, prefix: &str) {
    pub(super) fn walk(v: &mut Value, prefix: &str) {
        match v {
            Value::Object(map) => {
                if map.get("uriBaseId").and_then(Value::as_str) == Some("%SRCROOT%") {
                    if let Some(Value::String(uri)) = map.get_mut("uri") {
                        *uri = format!("{prefix}{uri}");
                    }
                }
                for child in map.values_mut() {
                    walk(child, prefix);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, prefix)),
            _ => {}
        }
    }
    if let Some(runs) = sarif.get_mut("runs").and_then(Value::as_array_mut) {
        for run in runs {
            if let Some(results) = run.get_mut("results") {
                walk(results, prefix);
            }
            let mut uri = format!("file://{}", root.display());
            if !uri.ends_with('/') {
                uri.push('/');
            }
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = Value::String(uri);
        }
    }
}
