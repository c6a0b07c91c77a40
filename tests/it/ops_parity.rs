//! The command line and the MCP server are two front ends over the same
//! operations (`wattson::ops`): for every MCP tool, the structured result is
//! the JSON the matching command prints with `--format json`, and it fits
//! the output schema the tool publishes (generated from the same type).
//!
//! The repository is the bundled demo with a benchmark whose output is fixed
//! text, so measurements (and so `measure` and `propose`) are exactly
//! repeatable; only wall-clock `seconds`, which no two runs share, are left
//! out of the comparison.

use std::path::Path;

use crate::common::{commit_all, demo_with_profile_and_feed, run, stderr, stdout};
use git2::Repository;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

type Session = RunningService<RoleClient, ()>;

fn cli_json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "wattson {args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("wattson {args:?} printed no JSON ({e}): {}", stdout(&out)))
}

/// The same value without what differs between any two runs: wall-clock
/// `seconds`, and the keys in `drop` (the ids of commits made now, whose
/// signature has a time; the command line a measurement records).
fn comparable(mut v: Value, drop: &[&str]) -> Value {
    fn walk(v: &mut Value, drop: &[&str]) {
        match v {
            Value::Object(map) => {
                map.remove("seconds");
                for key in drop {
                    map.remove(*key);
                }
                map.values_mut().for_each(|c| walk(c, drop));
            }
            Value::Array(items) => items.iter_mut().for_each(|c| walk(c, drop)),
            _ => {}
        }
    }
    walk(&mut v, drop);
    v
}

/// The demo, a profile and a feed, committed twice (the second commit is a
/// change to attribute and revert), with a benchmark that always prints the
/// same result.
fn demo_repo() -> tempfile::TempDir {
    let dir = demo_with_profile_and_feed(
        "[evidence]\nbench = \"echo 'test demo ... bench:       1,000 ns/iter (+/- 10)'\"\n\
         bench_format = \"libtest\"\nruns = 2\nwarmup = 0\n",
    );
    let repo = Repository::init(dir.path()).unwrap();
    commit_all(&repo, "the demo");
    let notes = dir.path().join("cpp/NOTES.md");
    std::fs::write(&notes, "A change to attribute and to revert.\n").unwrap();
    commit_all(&repo, "notes");
    dir
}

async fn start(repo: &Path) -> Session {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_wattson"));
    cmd.arg("mcp").arg("--repo").arg(repo).arg("--allow-exec");
    let transport = TokioChildProcess::new(cmd).expect("wattson mcp starts");
    ().serve(transport)
        .await
        .expect("the MCP handshake succeeds")
}

/// A tool's structured result, checked against the tool's output schema.
async fn tool(
    s: &Session,
    schemas: &serde_json::Map<String, Value>,
    name: &str,
    a: Value,
) -> Value {
    let Value::Object(args) = a.clone() else {
        panic!("arguments are an object")
    };
    let r = s
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{name} {a}: {e}"));
    assert_ne!(r.is_error, Some(true), "{name} {a}: {:?}", r.content);
    let value = r
        .structured_content
        .unwrap_or_else(|| panic!("{name}: no structured content"));
    let schema = &schemas[name];
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("{name}: the output schema compiles: {e}\n{schema:#}"));
    let problems: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        problems.is_empty(),
        "{name}: the result does not fit the published schema: {problems:#?}\n{value:#}"
    );
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_answers_what_the_command_line_prints() {
    let dir = demo_repo();
    let root_path = std::fs::canonicalize(dir.path()).unwrap();
    let root = root_path.to_str().unwrap().to_string();
    let cpp = format!("{root}/cpp");
    let profile = format!("{root}/demo.folded");
    let feed = format!("{root}/feed.jsonl");
    let s = start(&root_path).await;
    let tools = s.list_all_tools().await.unwrap();
    let schemas: serde_json::Map<String, Value> = tools
        .iter()
        .map(|t| {
            let schema = t
                .output_schema
                .as_ref()
                .unwrap_or_else(|| panic!("{} publishes an output schema", t.name));
            (t.name.to_string(), Value::Object((**schema).clone()))
        })
        .collect();
    let mut checked = Vec::new();

    let listed = tool(&s, &schemas, "list_skills", json!({})).await;
    assert_eq!(
        listed["skills"],
        cli_json(&["skills", "list", "--format", "json"])
    );
    checked.push("list_skills");

    let explained = tool(
        &s,
        &schemas,
        "explain_skill",
        json!({"id": "cpp/endl-in-loop"}),
    )
    .await;
    assert_eq!(
        explained,
        cli_json(&["skills", "explain", "cpp/endl-in-loop", "--format", "json"])
    );
    assert!(!explained["variants"].as_array().unwrap().is_empty());
    checked.push("explain_skill");

    let scanned = tool(
        &s,
        &schemas,
        "scan",
        json!({"path": "cpp", "profile": "demo.folded", "min_percent": 0.0}),
    )
    .await;
    let cli = cli_json(&[
        "scan",
        &cpp,
        "--profile",
        &profile,
        "--min-percent",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(comparable(scanned.clone(), &[]), comparable(cli, &[]));
    assert!(scanned["findings"][0]["heat"].is_object(), "{scanned:#}");
    checked.push("scan");

    let hot = tool(
        &s,
        &schemas,
        "hotspots",
        json!({"path": "cpp", "profile": "demo.folded", "top": 3}),
    )
    .await;
    let cli = cli_json(&[
        "hotspots",
        &cpp,
        "--profile",
        &profile,
        "--top",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(hot, cli);
    checked.push("hotspots");

    let preview = tool(&s, &schemas, "preview_fix", json!({"path": "cpp"})).await;
    assert_eq!(preview, cli_json(&["fix", &cpp, "--format", "json"]));
    assert!(preview["edits"].as_u64().unwrap() > 0, "{preview:#}");
    checked.push("preview_fix");

    // Two new branches from the same HEAD: the same rewrite, the same tree.
    let applied = tool(
        &s,
        &schemas,
        "apply_fix",
        json!({"path": "cpp", "branch": "perf/by-mcp"}),
    )
    .await;
    let cli = cli_json(&["fix", &cpp, "--branch", "perf/by-cli", "--format", "json"]);
    assert_eq!(
        comparable(applied.clone(), &["branch", "commit"]),
        comparable(cli.clone(), &["branch", "commit"])
    );
    let repo = Repository::open(&root_path).unwrap();
    let tree_of = |v: &Value| {
        let id = git2::Oid::from_str(v["commit"].as_str().unwrap()).unwrap();
        repo.find_commit(id).unwrap().tree_id()
    };
    assert_eq!(tree_of(&applied), tree_of(&cli));
    checked.push("apply_fix");

    let measured = tool(
        &s,
        &schemas,
        "measure",
        json!({"base": "HEAD~1", "head": "HEAD"}),
    )
    .await;
    let cli = cli_json(&[
        "bench", "--base", "HEAD~1", "--head", "HEAD", &root, "--format", "json", "--quiet",
    ]);
    // The evidence records the command line that produced it, which is
    // the front end's own.
    assert_eq!(
        comparable(measured.clone(), &["command_line"]),
        comparable(cli, &["command_line"])
    );
    assert_eq!(measured["benchmarks"][0]["base"], 1000.0, "{measured:#}");
    checked.push("measure");

    let detected = tool(&s, &schemas, "detect", json!({"feed": "feed.jsonl"})).await;
    assert_eq!(
        detected,
        cli_json(&["detect", "--feed", &feed, "--repo", &root, "--format", "json"])
    );
    checked.push("detect");

    let suspects = tool(
        &s,
        &schemas,
        "attribute",
        json!({"good": "HEAD~1", "bad": "HEAD"}),
    )
    .await;
    let cli = cli_json(&[
        "attribute",
        "--repo",
        &root,
        "--good",
        "HEAD~1",
        "--bad",
        "HEAD",
        "--format",
        "json",
    ]);
    assert_eq!(suspects, cli);
    assert_eq!(suspects["suspects"].as_array().unwrap().len(), 1);
    checked.push("attribute");

    // The revert commit is made now, so its id has this second's time in it.
    let prepared = tool(&s, &schemas, "prepare_revert", json!({"commit": "HEAD"})).await;
    let cli = cli_json(&[
        "revert",
        "--repo",
        &root,
        "HEAD",
        "--prepare",
        "--format",
        "json",
    ]);
    assert_eq!(
        comparable(prepared.clone(), &["commit"]),
        comparable(cli, &["commit"])
    );
    assert_eq!(prepared["status"], "ready", "{prepared:#}");
    checked.push("prepare_revert");

    // The benchmark never changes, so every candidate is measured and
    // rejected alike, and neither run leaves a branch behind.
    // (The repository's root, whose `.wattson.toml` has that benchmark;
    // the demo's own, under `cpp/`, measures for real.)
    let proposed = tool(&s, &schemas, "propose", json!({})).await;
    let cli = cli_json(&["propose", &root, "--format", "json", "--quiet"]);
    let made_now = ["command_line", "head_commit"];
    assert_eq!(
        comparable(proposed.clone(), &made_now),
        comparable(cli, &made_now)
    );
    assert!(
        proposed["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"]["status"] == "rejected"),
        "{proposed:#}"
    );
    assert!(
        !proposed["candidates"].as_array().unwrap().is_empty(),
        "{proposed:#}"
    );
    checked.push("propose");

    let mut all: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    all.sort();
    checked.sort();
    assert_eq!(checked, all, "every tool is compared with the command line");
    s.cancel().await.unwrap();
}
