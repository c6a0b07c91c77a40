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
    yaml(&text).unwrap_or_else(|e| panic!("action.yml: {e}"))
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

/// YAML as JSON values, for the schema checks. Read as YAML's own value
/// first, whose mappings refuse a key written twice (JSON's would keep the
/// last silently).
fn yaml(text: &str) -> Result<Value, String> {
    let doc: serde_norway::Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    serde_json::to_value(doc).map_err(|e| e.to_string())
}

#[test]
fn the_yaml_reader_reads_what_action_yml_uses_and_refuses_the_rest() {
    let doc = yaml(
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
    // Malformed YAML is an error, not a guess. (The hand-written reader this
    // replaced also refused valid YAML it could not read, such as flow
    // collections and anchors; a real parser reads those.)
    for bad in ["a: b: c\n", "\ta: 1\n", "a: 1\na: 2\n"] {
        assert!(yaml(bad).is_err(), "{bad:?} should be refused");
    }
    // YAML 1.2, as GitHub reads workflow files: `yes` is a string.
    assert_eq!(yaml("a: yes\n").unwrap(), serde_json::json!({"a": "yes"}));
}

#[test]
fn reads_the_sample_as_pyyaml_does() {
    let dir = repo_root().join("tests/fixtures/action");
    let text = std::fs::read_to_string(dir.join("sample.yml")).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sample.json")).unwrap()).unwrap();
    assert_eq!(yaml(&text).unwrap(), expected);
}
