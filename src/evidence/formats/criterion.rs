//! Criterion: its `--message-format=json` lines, or the `estimates.json` files it leaves under
//! `target/criterion`.

use super::*;

pub(super) const CRITERION_EXPECTED: &str =
    "`benchmark-complete` lines of `cargo criterion --message-format=json` \
     on stdout, or `target/criterion/**/new/estimates.json` files from `cargo bench`";

/// Guards the directory walk against pathological trees; real Criterion trees are 3–5 deep.
pub(super) const CRITERION_MAX_DEPTH: usize = 16;

pub(super) fn criterion(stdout: &str, tree: &Path) -> Result<Vec<Measurement>, FormatError> {
    let found = criterion_messages(stdout)?;
    if !found.is_empty() {
        return finish(BenchFormat::Criterion, "stdout", found, CRITERION_EXPECTED);
    }
    criterion_directory(tree)
}

/// The `benchmark-complete` JSON lines that cargo-criterion prints; other lines are ignored.
pub(super) fn criterion_messages(stdout: &str) -> Result<Vec<Measurement>, FormatError> {
    let format = BenchFormat::Criterion;
    let mut found = Vec::new();
    for (index, line) in stdout.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('{') || !line.contains("benchmark-complete") {
            continue;
        }
        let origin = format!("stdout line {}", index + 1);
        let message: Value = serde_json::from_str(line).map_err(|e| FormatError::Json {
            format,
            origin: origin.clone(),
            message: format!(
                "invalid JSON at column {}: {}",
                e.column(),
                json_problem(&e)
            ),
        })?;
        if message.get("reason").and_then(Value::as_str) != Some("benchmark-complete") {
            continue;
        }
        let cx = Fields {
            format,
            origin: &origin,
        };
        let name = cx.string(cx.require(&message, "", "id")?, "id")?;
        let typical = cx.require(&message, "", "typical")?;
        let value = cx.number(
            cx.require(typical, "typical", "estimate")?,
            "typical.estimate",
        )?;
        let unit = cx.string(cx.require(typical, "typical", "unit")?, "typical.unit")?;
        found.push(Measurement {
            name: name.to_owned(),
            unit: unit.to_owned(),
            value,
        });
    }
    Ok(found)
}

/// The `new/estimates.json` files that Criterion.rs leaves under `target/criterion/`.
pub(super) fn criterion_directory(tree: &Path) -> Result<Vec<Measurement>, FormatError> {
    let format = BenchFormat::Criterion;
    let root = tree.join("target").join("criterion");
    let origin = format!("stdout or `{}`", root.display());
    match fs::metadata(&root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(FormatError::NoBenchmarks {
                format,
                origin: format!("stdout or `{}`, which is not a directory", root.display()),
                expected: CRITERION_EXPECTED,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(FormatError::NoBenchmarks {
                format,
                origin: format!("stdout or `{}`, which does not exist", root.display()),
                expected: CRITERION_EXPECTED,
            })
        }
        Err(source) => {
            return Err(FormatError::Read {
                format,
                path: root,
                source,
            })
        }
    }
    let mut bench_dirs = Vec::new();
    find_new_dirs(&root, 0, &mut bench_dirs)?;
    let mut found = Vec::with_capacity(bench_dirs.len());
    for dir in bench_dirs {
        found.push(criterion_estimate(&root, &dir)?);
    }
    finish(format, &origin, found, CRITERION_EXPECTED)
}

/// Collects every directory below `dir` that has a `new/estimates.json`, in sorted order.
pub(super) fn find_new_dirs(
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
) -> Result<(), FormatError> {
    if depth > CRITERION_MAX_DEPTH {
        return Ok(());
    }
    let read_error = |source| FormatError::Read {
        format: BenchFormat::Criterion,
        path: dir.to_path_buf(),
        source,
    };
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        // `file_type` does not follow symlinks, so a link cycle cannot trap the walk.
        if !entry.file_type().map_err(read_error)?.is_dir() {
            continue;
        }
        let name = entry.file_name();
        if name == "report" {
            // HTML reports, never estimates.
            continue;
        }
        if name == "new" {
            if entry.path().join("estimates.json").is_file() {
                out.push(dir.to_path_buf());
            }
            continue;
        }
        subdirs.push(entry.path());
    }
    subdirs.sort();
    for sub in subdirs {
        find_new_dirs(&sub, depth + 1, out)?;
    }
    Ok(())
}

pub(super) fn read_json(format: BenchFormat, path: &Path) -> Result<Value, FormatError> {
    let text = fs::read_to_string(path).map_err(|source| FormatError::Read {
        format,
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| FormatError::Json {
        format,
        origin: format!("`{}`", path.display()),
        message: format!(
            "invalid JSON at line {}, column {}: {}",
            e.line(),
            e.column(),
            json_problem(&e)
        ),
    })
}

pub(super) fn criterion_estimate(
    root: &Path,
    bench_dir: &Path,
) -> Result<Measurement, FormatError> {
    let format = BenchFormat::Criterion;
    let new_dir = bench_dir.join("new");

    let estimates_path = new_dir.join("estimates.json");
    let estimates = read_json(format, &estimates_path)?;
    let origin = format!("`{}`", estimates_path.display());
    let cx = Fields {
        format,
        origin: &origin,
    };
    let (which, estimate) = match (
        cx.get(&estimates, "", "median")?,
        cx.get(&estimates, "", "mean")?,
    ) {
        (Some(median), _) => ("median", median),
        (None, Some(mean)) => ("mean", mean),
        (None, None) => return Err(cx.error("median", "is missing, and so is `mean`")),
    };
    let value_path = join(which, "point_estimate");
    let value = cx.number(cx.require(estimate, which, "point_estimate")?, &value_path)?;

    // Directory names are sanitised ids; benchmark.json has the id as the user wrote it.
    let benchmark_path = new_dir.join("benchmark.json");
    let mut name = None;
    if benchmark_path.is_file() {
        let benchmark = read_json(format, &benchmark_path)?;
        let origin = format!("`{}`", benchmark_path.display());
        let cx = Fields {
            format,
            origin: &origin,
        };
        for key in ["full_id", "title"] {
            if let Some(v) = cx.get(&benchmark, "", key)? {
                name = Some(cx.string(v, key)?.to_owned());
                break;
            }
        }
    }
    let name = match name {
        Some(name) => name,
        None => relative_name(root, bench_dir),
    };
    Ok(Measurement {
        name,
        unit: "ns".to_owned(),
        value,
    })
}

/// `group/bench` from `<root>/group/bench`, with `/` separators on every platform.
pub(super) fn relative_name(root: &Path, dir: &Path) -> String {
    let relative = dir.strip_prefix(root).unwrap_or(dir);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
