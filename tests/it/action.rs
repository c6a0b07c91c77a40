//! `action.yml` and `wattson action`: the metadata is valid for GitHub and
//! consistent with the program, and the program behaves as a workflow step
//! (summary, outputs, SARIF, exit codes, and errors that say what to fix).

use crate::common;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{copy_tree, repo_root, stderr, wattson};
use serde_json::Value;

/// The variables a runner sets that would change what a test sees.
const RUNNER_VARS: &[&str] = &[
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_REPOSITORY",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "INPUT_MODE",
    "INPUT_PATH",
    "INPUT_PROFILE",
    "INPUT_FEED",
    "INPUT_TOKEN",
    "INPUT_SARIF",
    "INPUT_FAIL_ON",
];

fn action(args: &[&str], env: &[(&str, &Path)], cwd: &Path) -> Output {
    let mut cmd = wattson();
    cmd.arg("action").args(args).current_dir(cwd);
    for v in RUNNER_VARS {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("wattson runs")
}

fn action_yml() -> Value {
    let text = fs::read_to_string(repo_root().join("action.yml")).expect("action.yml exists");
    yaml::parse(&text).unwrap_or_else(|e| panic!("action.yml: {e}"))
}

fn schema_errors(schema: &str, doc: &Value, draft4: bool) -> Vec<String> {
    let schema: Value = serde_json::from_str(schema).unwrap();
    let validator = if draft4 {
        jsonschema::draft4::new(&schema).unwrap()
    } else {
        jsonschema::draft7::new(&schema).unwrap()
    };
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

#[test]
fn action_yml_is_valid_action_metadata() {
    let doc = action_yml();
    let errors = schema_errors(
        include_str!("../fixtures/schemas/github-action.json"),
        &doc,
        false,
    );
    assert!(
        errors.is_empty(),
        "action.yml does not validate: {errors:#?}"
    );
    assert_eq!(doc["runs"]["using"], "composite");
    // The schema itself accepts a broken document: make sure it can fail.
    let mut broken = doc.clone();
    broken["runs"]["using"] = Value::from("node8");
    assert!(!schema_errors(
        include_str!("../fixtures/schemas/github-action.json"),
        &broken,
        false
    )
    .is_empty());
}

/// Every `${{ inputs.NAME }}` in `s`.
fn input_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("inputs.") {
        let tail = &rest[i + "inputs.".len()..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        out.push(name);
        rest = tail;
    }
    out
}

#[test]
fn inputs_and_outputs_are_wired_to_the_program() {
    let doc = action_yml();
    let declared: BTreeSet<String> = doc["inputs"].as_object().unwrap().keys().cloned().collect();
    let steps = doc["runs"]["steps"].as_array().unwrap();
    let mut used = BTreeSet::new();
    let mut env_names = Vec::new();
    for step in steps {
        let run = step["run"].as_str().unwrap_or("");
        // Script injection: expressions never go into the script's text.
        assert!(
            !run.contains("${{"),
            "step {} interpolates an expression into its script; pass it through env:",
            step["name"]
        );
        if let Some(env) = step["env"].as_object() {
            for (name, value) in env {
                let value = value.as_str().unwrap();
                let refs = input_refs(value);
                if !refs.is_empty() {
                    assert_eq!(refs.len(), 1, "{name}: {value}");
                    env_names.push((name.clone(), refs[0].clone()));
                }
                used.extend(refs);
            }
        }
    }
    let undeclared: Vec<_> = used.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "used but not declared: {undeclared:?}"
    );
    let unused: Vec<_> = declared.difference(&used).collect();
    assert!(unused.is_empty(), "declared but never used: {unused:?}");

    // Each input reaches the flag that reads the same INPUT_* variable.
    let help = wattson()
        .args(["action", "--help"])
        .env_remove("INPUT_TOKEN")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for (var, input) in &env_names {
        assert_eq!(
            var,
            &format!("INPUT_{}", input.to_uppercase().replace('-', "_")),
            "the variable for input {input}"
        );
        assert!(
            help.contains(&format!("env: {var}")),
            "`wattson action` reads no {var}:\n{help}"
        );
        assert!(
            help.contains(&format!("--{input}")),
            "no flag --{input}:\n{help}"
        );
    }

    // Outputs come from a step that exists and are ones the program writes.
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let written = ["findings", "sarif", "proposed", "rejected", "pull-requests"];
    let outputs = doc["outputs"].as_object().unwrap();
    assert_eq!(
        outputs.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        written.into_iter().collect::<BTreeSet<_>>()
    );
    for (name, o) in outputs {
        let value = o["value"].as_str().unwrap();
        let inner = value
            .strip_prefix("${{ steps.")
            .and_then(|v| v.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("output {name}: {value}"));
        let (id, out) = inner.split_once(".outputs.").unwrap();
        assert!(ids.contains(id), "output {name}: no step {id}");
        assert_eq!(out, name, "output {name} maps to {out}");
    }
}

/// `GITHUB_OUTPUT`'s lines as a map (both `name=value` and `name<<DELIM`).
fn parse_outputs(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else {
            let (name, value) = line.split_once('=').expect("name=value");
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

#[test]
fn scan_mode_writes_sarif_summary_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("checkout");
    copy_tree(&repo_root().join("demo/cpp"), &work);
    let event = dir.path().join("event.json");
    fs::copy(
        repo_root().join("tests/fixtures/github-webhooks/push/with-installation.payload.json"),
        &event,
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("output.txt");
    fs::write(&outputs, "earlier=kept\n").unwrap();
    let env = [
        ("GITHUB_EVENT_PATH", event.as_path()),
        ("GITHUB_EVENT_NAME", Path::new("push")),
        ("GITHUB_REPOSITORY", Path::new("Codertocat/Hello-World")),
        ("GITHUB_STEP_SUMMARY", summary.as_path()),
        ("GITHUB_OUTPUT", outputs.as_path()),
        // As action.yml passes inputs left unset: empty.
        ("INPUT_PROFILE", Path::new("")),
        ("INPUT_FEED", Path::new("")),
        ("INPUT_MODE", Path::new("")),
        ("INPUT_FAIL_ON", Path::new("")),
    ];
    let out = action(&["--sarif", "out/wattson.sarif"], &env, &work);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(work.join("out/wattson.sarif")).unwrap()).unwrap();
    let errors = schema_errors(
        include_str!("../fixtures/schemas/sarif-schema-2.1.0.json"),
        &sarif,
        true,
    );
    assert!(errors.is_empty(), "SARIF does not validate: {errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "the demo has findings");

    let outs = parse_outputs(&fs::read_to_string(&outputs).unwrap());
    assert_eq!(outs["earlier"], "kept", "appended, not overwritten");
    assert_eq!(outs["findings"], results.len().to_string());
    assert_eq!(outs["sarif"], "out/wattson.sarif");
    assert_eq!(outs["proposed"], "0");
    assert_eq!(outs["rejected"], "0");
    assert_eq!(outs["pull-requests"], "");

    let md = fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## wattson scan"), "{md}");
    assert!(md.contains("refs/tags/simple-tag"), "the event: {md}");
    assert!(md.contains("Codertocat/Hello-World"), "{md}");
    assert!(
        md.contains(&format!("**{} finding(s)**", results.len())),
        "{md}"
    );
    assert!(md.contains("| # | Location | Skill | Message |"), "{md}");
    let first = &results[0];
    let uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    let line = &first["locations"][0]["physicalLocation"]["region"]["startLine"];
    assert!(
        md.contains(&format!(
            "| 1 | `{uri}:{line}` | `{}` |",
            first["ruleId"].as_str().unwrap()
        )),
        "{md}"
    );
    let rows = md.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(rows, 1 + results.len().min(50), "{md}");

    // fail-on: findings fails the step, and still reports.
    let out = action(
        &["--fail-on", "findings"],
        &[("INPUT_SARIF", Path::new("second.sarif"))],
        &work,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fail-on: findings"),
        "{}",
        stderr(&out)
    );
    assert!(work.join("second.sarif").is_file());
}

#[test]
fn a_scan_of_a_subdirectory_is_ranked_by_the_configured_profile() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("demo/cpp"), &dir.path().join("native"));
    // The repository's configuration, not the demo's own.
    fs::remove_file(dir.path().join("native/.wattson.toml")).unwrap();
    fs::create_dir_all(dir.path().join("perf")).unwrap();
    fs::copy(
        repo_root().join("tests/fixtures/action/demo-cpp.folded"),
        dir.path().join("perf/demo.folded"),
    )
    .unwrap();
    fs::write(
        dir.path().join(".wattson.toml"),
        "[hotness]\nprofile = \"perf/demo.folded\"\n",
    )
    .unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    common::commit_all(&repo, "demo");
    let out = action(
        &[
            "--path",
            "native",
            "--sarif",
            "w.sarif",
            "--fail-on",
            "none",
        ],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("w.sarif")).unwrap()).unwrap();
    let run = &sarif["runs"][0];
    // Three functions of the demo are in the profile, each with one finding.
    let results = run["results"].as_array().unwrap();
    let found: Vec<(&str, f64)> = results
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap(),
                r["rank"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("native/text.cpp", 70.0),
            ("native/grid.cpp", 25.0),
            ("native/text.cpp", 5.0)
        ]
    );
    // Code scanning resolves paths from the repository's root.
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(!base.trim_end_matches('/').ends_with("native"), "{base}");
    // No GITHUB_STEP_SUMMARY: the summary goes to stdout.
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(md.contains("## wattson scan"), "{md}");
    assert!(md.contains("Ranked by the profile"), "{md}");
    assert!(md.contains("| 1 | 70.0% | `native/text.cpp:38` |"), "{md}");

    // A configured profile that is not there is an error saying so.
    fs::remove_file(dir.path().join("perf/demo.folded")).unwrap();
    let out = action(&["--path", "native"], &[], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("hotness.profile") && err.contains("demo.folded"),
        "{err}"
    );
}

#[test]
fn bad_inputs_fail_with_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");

    // propose without a token.
    let out = action(
        &["--mode", "propose", "--repository", "o/r"],
        &[("GITHUB_STEP_SUMMARY", summary.as_path())],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("propose needs a token"), "{err}");
    assert!(err.contains("token: ${{ secrets.GITHUB_TOKEN }}"), "{err}");
    let md = fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("## wattson: error") && md.contains("propose needs a token"),
        "{md}"
    );

    // An empty token input is no token; GITHUB_TOKEN is the fallback.
    let out = action(
        &["--mode", "propose"],
        &[("INPUT_TOKEN", Path::new(""))],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("propose needs a token"),
        "{}",
        stderr(&out)
    );

    // defend without a feed.
    let out = action(
        &["--mode", "defend", "--token", "t"],
        &[("INPUT_FEED", Path::new(""))],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("defend needs a feed"),
        "{}",
        stderr(&out)
    );

    // ... or with one that is not there.
    let out = action(
        &["--mode", "defend", "--token", "t", "--feed", "bench.jsonl"],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("feed bench.jsonl does not exist"), "{err}");

    // fail-on regressions only means something in defend.
    let out = action(&["--fail-on", "regressions"], &[], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs mode: defend"),
        "{}",
        stderr(&out)
    );

    // A malformed event payload names the file.
    let event = dir.path().join("broken-event.json");
    fs::write(&event, "{\"ref\": ").unwrap();
    let out = action(&[], &[("GITHUB_EVENT_PATH", event.as_path())], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("broken-event.json"), "{err}");
    assert!(err.contains("GITHUB_EVENT_PATH"), "{err}");

    // So does a missing one.
    let missing = dir.path().join("no-such-event.json");
    let out = action(&[], &[("GITHUB_EVENT_PATH", missing.as_path())], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no-such-event.json"),
        "{}",
        stderr(&out)
    );

    // A mode that does not exist.
    let out = action(&[], &[("INPUT_MODE", Path::new("fix"))], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("scan"), "{}", stderr(&out));
}

#[test]
fn the_yaml_reader_reads_what_action_yml_uses_and_refuses_the_rest() {
    let doc = yaml::parse(
        "# c\na: plain # trailing\nb: \"q: \\\"x\\\"\"\nc: 'it''s'\nd:\n  - e: 1\n    f: true\n  - g\nh: |\n  one\n  # not a comment\nz: ${{ x }}\n",
    )
    .unwrap();
    assert_eq!(
        doc,
        serde_json::json!({
            "a": "plain", "b": "q: \"x\"", "c": "it's",
            "d": [{"e": 1, "f": true}, "g"],
            "h": "one\n# not a comment\n", "z": "${{ x }}"
        })
    );
    for bad in [
        "a: b: c\n",
        "a: [1, 2]\n",
        "a: &x 1\n",
        "a: 1\na: 2\n",
        "a: b\n  c\n",
        "\ta: 1\n",
        "a: yes\n",
    ] {
        assert!(yaml::parse(bad).is_err(), "{bad:?} should be refused");
    }
}

/// A reader for the block-style subset of YAML that `action.yml` is written
/// in, to JSON values: mappings, sequences, plain / single- / double-quoted
/// scalars and `|` / `>` block scalars, with YAML 1.2 core-schema booleans,
/// nulls and numbers. Anything else (flow collections, anchors, tags,
/// multi-line plain scalars, tabs) is refused rather than guessed at, so the
/// schema test cannot pass on a misreading. No YAML crate is available to
/// the build offline; this keeps the test free of new dependencies.
mod yaml {
    use serde_json::{Map, Value};

    struct Reader<'a> {
        lines: Vec<&'a str>,
        i: usize,
    }

    type Result<T> = std::result::Result<T, String>;

    fn indent(line: &str) -> usize {
        line.len() - line.trim_start_matches(' ').len()
    }

    fn is_blank(line: &str) -> bool {
        let t = line.trim_start_matches(' ');
        t.is_empty() || t.starts_with('#')
    }

    pub fn parse(text: &str) -> Result<Value> {
        if text.contains('\t') {
            return Err("tabs are not supported".into());
        }
        let mut r = Reader {
            lines: text.lines().collect(),
            i: 0,
        };
        r.skip_blank();
        if r.i >= r.lines.len() {
            return Ok(Value::Null);
        }
        let v = r.node(0)?;
        r.skip_blank();
        if r.i < r.lines.len() {
            return Err(format!("line {}: unexpected indentation", r.i + 1));
        }
        Ok(v)
    }

    impl<'a> Reader<'a> {
        fn skip_blank(&mut self) {
            while self.i < self.lines.len() && is_blank(self.lines[self.i]) {
                self.i += 1;
            }
        }

        /// The node starting at the current line, indented at least `min`.
        fn node(&mut self, min: usize) -> Result<Value> {
            self.skip_blank();
            let line = self.lines[self.i];
            let n = indent(line);
            if n < min {
                return Err(format!("line {}: expected indentation", self.i + 1));
            }
            let t = &line[n..];
            if t == "-" || t.starts_with("- ") {
                self.seq(n)
            } else {
                self.map(n, None)
            }
        }

        fn seq(&mut self, n: usize) -> Result<Value> {
            let mut items = Vec::new();
            loop {
                self.skip_blank();
                if self.i >= self.lines.len() {
                    break;
                }
                let line = self.lines[self.i];
                let t = &line[indent(line)..];
                if indent(line) != n || !(t == "-" || t.starts_with("- ")) {
                    break;
                }
                let rest = t[1..].trim_start_matches(' ');
                if rest.is_empty() || rest.starts_with('#') {
                    self.i += 1;
                    items.push(self.node(n + 1)?);
                } else if split_key(rest)?.is_some() {
                    // `- key: value`, then more keys at the item's indentation.
                    let col = line.len() - rest.len();
                    items.push(self.map(col, Some(rest))?);
                } else {
                    self.i += 1;
                    items.push(self.scalar_value(rest, n)?);
                }
            }
            Ok(Value::Array(items))
        }

        /// A mapping at indentation `n`; `first` is the text of its first
        /// entry when it starts on a sequence item's line.
        fn map(&mut self, n: usize, mut first: Option<&'a str>) -> Result<Value> {
            let mut map = Map::new();
            loop {
                let text = match first.take() {
                    Some(t) => t,
                    None => {
                        self.skip_blank();
                        if self.i >= self.lines.len() {
                            break;
                        }
                        let line = self.lines[self.i];
                        if indent(line) != n {
                            break;
                        }
                        let t = &line[n..];
                        if t == "-" || t.starts_with("- ") {
                            break;
                        }
                        t
                    }
                };
                let lineno = self.i + 1;
                let (key, rest) =
                    split_key(text)?.ok_or_else(|| format!("line {lineno}: expected `key:`"))?;
                let key = scalar_text(key)?;
                self.i += 1;
                let rest = rest.trim_start_matches(' ');
                let value = if rest.is_empty() || rest.starts_with('#') {
                    self.skip_blank();
                    match self.lines.get(self.i) {
                        Some(next) if indent(next) > n => self.node(n + 1)?,
                        Some(next)
                            if indent(next) == n
                                && (next[n..].starts_with("- ") || &next[n..] == "-") =>
                        {
                            self.seq(n)?
                        }
                        _ => Value::Null,
                    }
                } else if let Some(style) = rest.strip_prefix(['|', '>']) {
                    self.block_scalar(rest.starts_with('>'), style, n)?
                } else {
                    self.scalar_value(rest, n)?
                };
                if map.insert(key.clone(), value).is_some() {
                    return Err(format!("line {lineno}: duplicate key {key}"));
                }
            }
            Ok(Value::Object(map))
        }

        /// A scalar on one line; a more indented line after it would be a
        /// multi-line plain scalar, which is refused.
        fn scalar_value(&mut self, text: &str, n: usize) -> Result<Value> {
            let v = scalar(text)?;
            let save = self.i;
            self.skip_blank();
            if let Some(next) = self.lines.get(self.i) {
                if indent(next) > n {
                    return Err(format!(
                        "line {}: multi-line scalars are not supported",
                        self.i + 1
                    ));
                }
            }
            self.i = save;
            Ok(v)
        }

        fn block_scalar(&mut self, folded: bool, style: &str, n: usize) -> Result<Value> {
            let chomp = match style.trim_end() {
                "" => "clip",
                "-" => "strip",
                "+" => "keep",
                other => return Err(format!("block scalar indicator {other:?}")),
            };
            let mut body: Vec<&str> = Vec::new();
            let mut col = None;
            while self.i < self.lines.len() {
                let line = self.lines[self.i];
                if line.trim().is_empty() {
                    body.push("");
                    self.i += 1;
                    continue;
                }
                let k = indent(line);
                if k <= n {
                    break;
                }
                let c = *col.get_or_insert(k);
                if k < c {
                    return Err(format!("line {}: block scalar indentation", self.i + 1));
                }
                body.push(&line[c..]);
                self.i += 1;
            }
            // Trailing blank lines belong to the chomping, not the content.
            let mut trailing = 0;
            while body.last() == Some(&"") {
                body.pop();
                trailing += 1;
            }
            let mut text = if folded {
                let mut s = String::new();
                // Lines join with a space; each empty line is a line break.
                for (j, l) in body.iter().enumerate() {
                    if l.is_empty() {
                        s.push('\n');
                        continue;
                    }
                    if j > 0 && !body[j - 1].is_empty() {
                        s.push(' ');
                    }
                    s.push_str(l);
                }
                s
            } else {
                body.join("\n")
            };
            match chomp {
                "strip" => {}
                "clip" if !body.is_empty() => text.push('\n'),
                "keep" => text.push_str(&"\n".repeat(trailing + 1)),
                _ => {}
            }
            Ok(Value::String(text))
        }
    }

    /// Split `key: rest` (or `key:` at the end), honouring quotes; `None`
    /// when the text is not a mapping entry.
    fn split_key(text: &str) -> Result<Option<(&str, &str)>> {
        let bytes = text.as_bytes();
        let end_of_key = match bytes.first() {
            Some(b'"') | Some(b'\'') => {
                let close = quoted_end(text)?;
                if !text[close..].starts_with(':') {
                    return Ok(None);
                }
                close
            }
            _ => {
                let mut found = None;
                for (j, c) in text.char_indices() {
                    if c == ':' && (j + 1 == text.len() || bytes[j + 1] == b' ') {
                        found = Some(j);
                        break;
                    }
                    if c == '#' && j > 0 && bytes[j - 1] == b' ' {
                        break;
                    }
                }
                match found {
                    Some(j) => j,
                    None => return Ok(None),
                }
            }
        };
        Ok(Some((
            text[..end_of_key].trim_end(),
            &text[end_of_key + 1..],
        )))
    }

    /// The byte index just past the closing quote of the quoted scalar
    /// `text` starts with.
    fn quoted_end(text: &str) -> Result<usize> {
        let q = text.as_bytes()[0];
        let b = text.as_bytes();
        let mut j = 1;
        while j < b.len() {
            if q == b'"' && b[j] == b'\\' {
                j += 2;
                continue;
            }
            if b[j] == q {
                if q == b'\'' && b.get(j + 1) == Some(&b'\'') {
                    j += 2;
                    continue;
                }
                return Ok(j + 1);
            }
            j += 1;
        }
        Err(format!("unterminated quote in {text:?}"))
    }

    /// A key: a plain or quoted string.
    fn scalar_text(text: &str) -> Result<String> {
        match scalar(text)? {
            Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        }
    }

    fn scalar(text: &str) -> Result<Value> {
        let text = text.trim();
        match text.as_bytes().first() {
            Some(b'"') | Some(b'\'') => {
                let end = quoted_end(text)?;
                let after = text[end..].trim_start();
                if !after.is_empty() && !after.starts_with('#') {
                    return Err(format!("text after a quoted scalar: {text:?}"));
                }
                let inner = &text[1..end - 1];
                if text.starts_with('\'') {
                    return Ok(Value::String(inner.replace("''", "'")));
                }
                let mut s = String::new();
                let mut chars = inner.chars();
                while let Some(c) = chars.next() {
                    if c != '\\' {
                        s.push(c);
                        continue;
                    }
                    s.push(match chars.next() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        other => return Err(format!("escape \\{other:?} is not supported")),
                    });
                }
                Ok(Value::String(s))
            }
            Some(b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`') => {
                Err(format!("not supported here: {text:?}"))
            }
            _ => {
                // A plain scalar ends at ` #`; `: ` inside one is an error in YAML.
                let plain = match text.find(" #") {
                    Some(j) => text[..j].trim_end(),
                    None => text,
                };
                if plain.contains(": ") || plain.ends_with(':') {
                    return Err(format!("`: ` in a plain scalar: {plain:?}"));
                }
                let yaml11 = ["yes", "no", "on", "off"];
                if yaml11.iter().any(|w| plain.eq_ignore_ascii_case(w)) {
                    return Err(format!("{plain:?} is a boolean in YAML 1.1 only: quote it"));
                }
                Ok(match plain {
                    "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                    "true" | "True" | "TRUE" => Value::Bool(true),
                    "false" | "False" | "FALSE" => Value::Bool(false),
                    _ => {
                        if let Ok(n) = plain.parse::<i64>() {
                            Value::from(n)
                        } else if plain.contains(|c: char| c.is_ascii_digit())
                            && plain.parse::<f64>().is_ok()
                            && !plain.contains(char::is_alphabetic)
                        {
                            Value::from(plain.parse::<f64>().unwrap_or_default())
                        } else {
                            Value::String(plain.to_string())
                        }
                    }
                })
            }
        }
    }

    #[test]
    fn reads_the_sample_as_pyyaml_does() {
        let dir = super::repo_root().join("tests/fixtures/action");
        let text = std::fs::read_to_string(dir.join("sample.yml")).unwrap();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("sample.json")).unwrap())
                .unwrap();
        assert_eq!(parse(&text).unwrap(), expected);
    }
}
