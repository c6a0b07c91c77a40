//! How the step talks back to Actions: the job summary and outputs files, and markdown that
//! cannot break a table.

use super::*;

pub(super) fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Scan => "scan",
        Mode::Propose => "propose",
        Mode::Defend => "defend",
    }
}

pub(super) fn fail_on_name(f: FailOn) -> &'static str {
    match f {
        FailOn::None => "none",
        FailOn::Findings => "findings",
        FailOn::Regressions => "regressions",
    }
}

/// A path from an environment variable, when set and not empty.
pub(super) fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Append to one of the runner's files (created if missing, as the runner does).
pub(super) fn append(file: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .with_context(|| format!("opening {}", file.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", file.display()))
}

/// `GITHUB_OUTPUT` lines: `name=value`, or `name<<DELIM` … `DELIM` for a
/// value with a line break, with a delimiter that does not occur in it.
pub fn outputs_text(outputs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (name, value) in outputs {
        if value.contains('\n') || value.contains('\r') {
            let mut n = std::process::id() as u64;
            let delim = loop {
                let d = format!("ghadelimiter_{n:x}");
                if !value.contains(&d) {
                    break d;
                }
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1);
            };
            let _ = write!(out, "{name}<<{delim}\n{value}\n{delim}\n");
        } else {
            let _ = writeln!(out, "{name}={value}");
        }
    }
    out
}

/// Text for a markdown table cell: no line breaks, no HTML, no markup.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A finding's message for a table cell: its `code` spans kept (skills
/// write them), everything else escaped as by [`md`].
pub fn message_md(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return md(s); // an unpaired backtick: no spans at all
    }
    let mut out = String::with_capacity(s.len());
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&md(part));
        } else {
            // Inside a span nothing is markup or HTML, but `|` still ends a
            // table cell and a line break still ends the row.
            out.push('`');
            out.push_str(&part.replace('|', "\\|").replace(['\n', '\r'], " "));
            out.push('`');
        }
    }
    out
}

/// `s` as inline code, or escaped text when it cannot be one.
pub(super) fn code(s: &str) -> String {
    if s.is_empty() || s.contains(['`', '\n', '\r', '|']) {
        md(s)
    } else {
        format!("`{s}`")
    }
}

/// A link when `location` is a URL, else the text.
pub(super) fn link(location: &str) -> String {
    if location.starts_with("https://") || location.starts_with("http://") {
        let clean = !location.contains(['(', ')', ' ', '<', '>', '|', '\n', '\r']);
        if clean {
            let label = location
                .rsplit_once("/pull/")
                .map(|(_, n)| format!("#{}", md(n)))
                .unwrap_or_else(|| md(location));
            return format!("[{label}]({location})");
        }
    }
    md(location)
}
