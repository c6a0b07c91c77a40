//! `wattson mcp` driven by a real MCP client (rmcp's, over the child
//! process's stdin and stdout), on a copy of the bundled demo committed into
//! a temporary git repository: the tools and resources are listed, `scan`,
//! `preview_fix` and `measure` answer exactly what the command line prints
//! for the same input, `apply_fix` writes only a new branch, and bad
//! arguments, escapes from the repository, a missing `--allow-exec` and a
//! tool that runs too long are clean MCP errors that leave the repository as
//! it was.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{commit_all, demo_with_profile_and_feed, run, stderr, stdout};
use git2::Repository;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ErrorCode, ProgressNotificationParam,
    ReadResourceRequestParams, ResourceContents,
};
use rmcp::service::{NotificationContext, RunningService, ServiceError};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{json, Value};

/// A client that keeps the progress notifications it receives.
#[derive(Clone, Default)]
struct Client {
    progress: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Client {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress
            .lock()
            .unwrap()
            .push(params.message.unwrap_or_default());
    }
}

type Session = RunningService<RoleClient, Client>;

async fn start(repo: &Path, flags: &[&str]) -> (Session, Client) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_wattson"));
    cmd.arg("mcp").arg("--repo").arg(repo).args(flags);
    let transport = TokioChildProcess::new(cmd).expect("wattson mcp starts");
    let client = Client::default();
    let session = client
        .clone()
        .serve(transport)
        .await
        .expect("the MCP handshake succeeds");
    (session, client)
}

fn args(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("arguments are an object"),
    }
}

async fn call(s: &Session, tool: &str, a: Value) -> Result<CallToolResult, ServiceError> {
    s.call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args(a)))
        .await
}

/// A successful call's structured result.
async fn ok(s: &Session, tool: &str, a: Value) -> Value {
    let r = call(s, tool, a.clone())
        .await
        .unwrap_or_else(|e| panic!("{tool} {a}: {e}"));
    assert_ne!(r.is_error, Some(true), "{tool} {a}: {:?}", r.content);
    r.structured_content
        .unwrap_or_else(|| panic!("{tool}: no structured content"))
}

/// A call refused with a JSON-RPC error: its code and message.
async fn refused(s: &Session, tool: &str, a: Value) -> (ErrorCode, String) {
    match call(s, tool, a.clone()).await {
        Err(ServiceError::McpError(e)) => (e.code, e.message.to_string()),
        other => panic!("{tool} {a}: expected an MCP error, got {other:?}"),
    }
}

fn cli_json(a: &[&str]) -> Value {
    let out = run(a);
    assert!(out.status.success(), "wattson {a:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// A scan report without its wall time, which differs between two runs.
fn without_seconds(mut v: Value) -> Value {
    v["stats"].as_object_mut().expect("stats").remove("seconds");
    v
}

/// Everything a user would notice: HEAD, branches, worktrees, the status and
/// the bytes of every file of the working tree (outside `.git`).
#[derive(Debug, PartialEq)]
struct Snapshot {
    head: String,
    branches: Vec<String>,
    worktrees: Vec<String>,
    status: Vec<(String, u32)>,
    files: BTreeMap<String, Vec<u8>>,
}

fn snapshot(dir: &Path) -> Snapshot {
    let repo = Repository::open(dir).unwrap();
    let head = repo.head().unwrap().target().unwrap().to_string();
    let mut branches: Vec<String> = repo
        .branches(None)
        .unwrap()
        .map(|b| b.unwrap().0.name().unwrap().unwrap().to_string())
        .collect();
    branches.sort();
    let worktrees = repo
        .worktrees()
        .unwrap()
        .iter()
        .flatten()
        .flatten()
        .map(str::to_string)
        .collect();
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).include_ignored(true);
    let status = repo
        .statuses(Some(&mut opts))
        .unwrap()
        .iter()
        .map(|s| (s.path().unwrap().to_string(), s.status().bits()))
        .collect();
    let mut files = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_name() == ".git" {
                continue;
            }
            let t = e.file_type().unwrap();
            if t.is_dir() {
                walk(root, &p, out);
            } else if t.is_file() {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut files);
    Snapshot {
        head,
        branches,
        worktrees,
        status,
        files,
    }
}

/// The C++ and Rust demo committed into a new repository, with evidence
/// settings that build the C++ demo and count its instructions under
/// callgrind; plus an untracked file and an uncommitted edit of the user's,
/// which must survive everything.
fn demo_repo() -> tempfile::TempDir {
    let dir = demo_with_profile_and_feed(
        "[evidence]\nbuild = \"make -s -C cpp\"\nbench = { demo = \"./cpp/build/demo > /dev/null\" }\n\
         bench_format = \"callgrind\"\nruns = 2\nwarmup = 0\ntimeout = 300\n",
    );
    let repo = Repository::init(dir.path()).unwrap();
    commit_all(&repo, "the demo");
    std::fs::write(dir.path().join("my-notes.txt"), "not committed\n").unwrap();
    let readme = dir.path().join("README.md");
    let mut text = std::fs::read_to_string(&readme).unwrap();
    text.push_str("\nAn edit of mine, not committed.\n");
    std::fs::write(readme, text).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_scans_fixes_and_measures_the_demo_like_the_cli() {
    let dir = demo_repo();
    let root = dir.path().to_str().unwrap().to_string();
    let before = snapshot(dir.path());
    let (s, client) = start(dir.path(), &["--allow-exec"]).await;

    let info = s.peer_info().expect("server info");
    assert_eq!(info.server_info.as_ref().unwrap().name, "wattson");

    // Tools, with their schemas.
    let tools = s.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "apply_fix",
            "attribute",
            "detect",
            "explain_skill",
            "hotspots",
            "list_skills",
            "measure",
            "prepare_revert",
            "preview_fix",
            "propose",
            "scan"
        ]
    );
    for t in &tools {
        assert_eq!(t.input_schema["type"], "object", "{}", t.name);
        assert_eq!(
            t.input_schema["additionalProperties"], false,
            "{}: unknown arguments are refused",
            t.name
        );
        assert!(t.output_schema.is_some(), "{}", t.name);
    }
    let scan_tool = tools.iter().find(|t| t.name == "scan").unwrap();
    assert!(scan_tool.input_schema["properties"]["profile"].is_object());

    // Resources: the skills and the rules in force.
    let resources = s.list_all_resources().await.unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    for uri in [
        "wattson://skills",
        "wattson://skills/cpp/endl-in-loop",
        "wattson://skills/rust/redundant-clone",
        "wattson://rules/evidence",
        "wattson://rules/hotness",
    ] {
        assert!(uris.contains(&uri), "{uri} in {uris:?}");
    }
    let text_of = |c: &ResourceContents| match c {
        ResourceContents::TextResourceContents { text, .. } => text.clone(),
        other => panic!("{other:?}"),
    };
    let skill = s
        .read_resource(ReadResourceRequestParams::new(
            "wattson://skills/cpp/endl-in-loop",
        ))
        .await
        .unwrap();
    let toml = text_of(&skill.contents[0]);
    assert!(toml.contains("id = \"cpp/endl-in-loop\""), "{toml}");
    assert!(toml.contains("[[example]]") && toml.contains("[[leave-alone]]"));
    let examples: Value = serde_json::from_str(&text_of(&skill.contents[1])).unwrap();
    assert!(examples["examples"].as_array().unwrap().len() >= 2);
    let rules = s
        .read_resource(ReadResourceRequestParams::new("wattson://rules/evidence"))
        .await
        .unwrap();
    let active: Value = serde_json::from_str(&text_of(&rules.contents[0])).unwrap();
    assert_eq!(active["evidence"]["bench_format"], "callgrind", "{active}");
    assert_eq!(active["evidence"]["build"], "make -s -C cpp");
    let missing = s
        .read_resource(ReadResourceRequestParams::new("wattson://skills/cpp/nope"))
        .await;
    assert!(
        matches!(&missing, Err(ServiceError::McpError(e)) if e.code == ErrorCode::RESOURCE_NOT_FOUND),
        "{missing:?}"
    );

    // list_skills and explain_skill.
    let listed = ok(&s, "list_skills", json!({})).await;
    assert_eq!(
        listed["skills"],
        cli_json(&["skills", "list", "--format", "json"])
    );
    let explained = ok(&s, "explain_skill", json!({"id": "cpp/find-single-char"})).await;
    assert_eq!(explained["tier"], "auto");
    assert!(!explained["guards"].as_array().unwrap().is_empty());
    assert!(explained["leave_alone"].as_array().unwrap().len() >= 2);

    // scan: the same findings as `wattson scan --format json`, whole tree and one directory.
    let whole = ok(&s, "scan", json!({})).await;
    assert_eq!(
        without_seconds(whole.clone()),
        without_seconds(cli_json(&["scan", &root, "--format", "json"]))
    );
    assert!(whole["findings"].as_array().unwrap().len() >= 20);
    let cpp = ok(&s, "scan", json!({"path": "cpp", "skills": ["cpp"]})).await;
    let cpp_dir = format!("{root}/cpp");
    assert_eq!(
        without_seconds(cpp.clone()),
        without_seconds(cli_json(&[
            "scan", &cpp_dir, "--skill", "cpp", "--format", "json"
        ]))
    );

    // A server with a small output cap cuts the list and says so.
    let (small, _) = start(dir.path(), &["--max-output-bytes", "4096"]).await;
    let cut = ok(&small, "scan", json!({})).await;
    assert!(serde_json::to_vec(&cut).unwrap().len() <= 4096);
    let total = whole["findings"].as_array().unwrap().len();
    assert_eq!(cut["truncated"]["cut"][0]["field"], "findings", "{cut}");
    assert_eq!(cut["truncated"]["cut"][0]["total"], total);
    let kept = cut["findings"].as_array().unwrap().len();
    assert!(kept > 0 && kept < total, "{kept} of {total}");
    assert_eq!(cut["findings"][0], whole["findings"][0]);
    small.cancel().await.unwrap();

    // With a profile: ranked findings and hotspots, as the CLI ranks them.
    let profile = format!("{root}/demo.folded");
    let ranked = ok(&s, "scan", json!({"path": "cpp", "profile": "demo.folded"})).await;
    assert_eq!(
        without_seconds(ranked.clone()),
        without_seconds(cli_json(&[
            "scan",
            &cpp_dir,
            "--profile",
            &profile,
            "--format",
            "json"
        ]))
    );
    assert_eq!(
        ranked["findings"][0]["function"], "count_vowels",
        "{ranked:#}"
    );
    assert!(
        ranked["profile"]["cold_findings_left_out"]
            .as_u64()
            .unwrap()
            > 0
    );
    let hot = ok(
        &s,
        "hotspots",
        json!({"path": "cpp", "profile": "demo.folded", "top": 5}),
    )
    .await;
    assert_eq!(
        hot,
        cli_json(&[
            "hotspots",
            &cpp_dir,
            "--profile",
            &profile,
            "--top",
            "5",
            "--format",
            "json"
        ])
    );
    assert_eq!(hot["functions"][0]["name"], "count_vowels");

    // detect: the feed's commits are not in this history, so its points are
    // left out with a warning, as the CLI does.
    let feed = format!("{root}/feed.jsonl");
    let detected = call(&s, "detect", json!({"feed": "feed.jsonl"}))
        .await
        .unwrap();
    assert_eq!(
        detected.structured_content.clone().unwrap(),
        cli_json(&["detect", "--feed", &feed, "--repo", &root, "--format", "json"])
    );
    assert!(
        format!("{:?}", detected.content).contains("warning"),
        "{:?}",
        detected.content
    );

    // preview_fix: exactly the diff `wattson fix` prints, nothing written.
    let preview = ok(&s, "preview_fix", json!({"path": "cpp"})).await;
    let cli_diff = stdout(&run(&["fix", &cpp_dir]));
    assert!(cli_diff.contains("@@"), "{cli_diff}");
    assert_eq!(preview["diff"], cli_diff);
    assert!(preview["edits"].as_u64().unwrap() >= 10, "{preview}");
    assert_eq!(snapshot(dir.path()), before, "preview_fix wrote nothing");

    // apply_fix: a new branch with one commit on HEAD holding the same diff.
    let applied = ok(&s, "apply_fix", json!({"path": "cpp"})).await;
    assert_eq!(applied["status"], "committed", "{applied}");
    assert_eq!(applied["diff"], preview["diff"]);
    let branch = applied["branch"].as_str().unwrap().to_string();
    let commit = applied["commit"].as_str().unwrap().to_string();
    assert!(branch.starts_with("wattson/mcp/"), "{branch}");
    let repo = Repository::open(dir.path()).unwrap();
    let tip = repo
        .find_branch(&branch, git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.id().to_string(), commit);
    assert_eq!(tip.parent(0).unwrap().id().to_string(), before.head);
    let changed = repo
        .diff_tree_to_tree(
            Some(&tip.parent(0).unwrap().tree().unwrap()),
            Some(&tip.tree().unwrap()),
            None,
        )
        .unwrap();
    let sources = std::fs::read_dir(dir.path().join("cpp"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "cpp"))
        })
        .count();
    assert_eq!(
        changed.deltas().count(),
        sources,
        "every C++ source changed"
    );
    let mut after = snapshot(dir.path());
    after.branches.retain(|b| *b != branch);
    assert_eq!(after, before, "apply_fix touched only its own branch");
    // The same branch is not written twice.
    let (code, message) = refused(
        &s,
        "apply_fix",
        json!({"path": "cpp", "branch": branch.clone()}),
    )
    .await;
    assert_eq!(code, ErrorCode::INVALID_PARAMS);
    assert!(message.contains("already exists"), "{message}");

    // measure: the evidence `wattson bench` gives for the same revisions
    // (callgrind counts are exactly repeatable), with progress on the way.
    let measured = ok(
        &s,
        "measure",
        json!({"base": "HEAD", "head": branch.clone()}),
    )
    .await;
    assert_eq!(measured["build"]["status"], "passed", "{measured:#}");
    assert_eq!(measured["head_commit"], commit);
    assert_eq!(measured["base_commit"], before.head);
    let cli = cli_json(&[
        "bench", "--base", "HEAD", "--head", &branch, &root, "--format", "json", "--quiet",
    ]);
    assert_eq!(measured["verdict"], "improved", "{measured:#}");
    assert_eq!(measured["verdict"], cli["verdict"]);
    let (m, c) = (&measured["benchmarks"][0], &cli["benchmarks"][0]);
    for key in ["name", "unit", "verdict"] {
        assert_eq!(m[key], c[key], "{key}: {measured:#} vs {cli:#}");
    }
    // Instruction counts repeat exactly for the same binary and input; allow
    // a hair for what the loader does with a different environment.
    for key in ["base", "head"] {
        let (a, b) = (m[key].as_f64().unwrap(), c[key].as_f64().unwrap());
        assert!((a - b).abs() <= a * 1e-3, "{key}: {a} vs {b}");
    }
    assert!(measured["benchmarks"][0]["base"].as_f64().unwrap() > 1e6);
    let progress = client.progress.lock().unwrap().clone();
    assert!(
        progress.iter().any(|m| m.contains("building the base")),
        "{progress:?}"
    );

    // attribute: the one commit of HEAD..branch, as the CLI ranks it.
    let suspects = ok(
        &s,
        "attribute",
        json!({"good": "HEAD", "bad": branch.clone()}),
    )
    .await;
    assert_eq!(
        suspects,
        cli_json(&[
            "attribute",
            "--repo",
            &root,
            "--good",
            "HEAD",
            "--bad",
            &branch,
            "--format",
            "json"
        ])
    );
    assert_eq!(suspects["suspects"][0]["commit"], commit);

    // prepare_revert: the revert of the branch's commit onto HEAD conflicts
    // with nothing (HEAD is its parent), and no ref moves.
    let revert = ok(&s, "prepare_revert", json!({"commit": commit.clone()})).await;
    assert_eq!(revert["status"], "ready", "{revert}");
    assert_eq!(revert["onto"], before.head);

    let mut after = snapshot(dir.path());
    after.branches.retain(|b| *b != branch);
    assert_eq!(after, before, "the user's checkout is untouched");
    s.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_bad_arguments_and_exec_without_permission_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.cpp"), "int secret;\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/a.cpp"),
        "#include <string>\nint f(const std::string& s) { return s.find(\"x\"); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".wattson.toml"),
        "[evidence]\nbench = \"true\"\n",
    )
    .unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    commit_all(&repo, "one file");
    // A symlink that leads out of the repository (left uncommitted).
    std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
    let before = snapshot(dir.path());
    let (s, _) = start(dir.path(), &[]).await;

    let invalid = [
        ("scan", json!({"path": "../.."}), "`..` is not allowed"),
        (
            "scan",
            json!({"path": "src/../../x"}),
            "`..` is not allowed",
        ),
        (
            "scan",
            json!({"path": "escape"}),
            "outside the repository root",
        ),
        (
            "scan",
            json!({"path": "escape/secret.cpp"}),
            "outside the repository root",
        ),
        (
            "scan",
            json!({"path": outside.path().to_str().unwrap()}),
            "outside the repository root",
        ),
        ("scan", json!({"path": "missing.cpp"}), "No such file"),
        ("scan", json!({"path": 42}), "invalid arguments for `scan`"),
        ("scan", json!({"paht": "src"}), "unknown field `paht`"),
        (
            "scan",
            json!({"skills": ["cpp/no-such-skill"]}),
            "no skill `cpp/no-such-skill`",
        ),
        (
            "scan",
            json!({"profile": "../../etc/passwd"}),
            "`..` is not allowed",
        ),
        ("hotspots", json!({}), "missing field `profile`"),
        ("explain_skill", json!({"id": "nope"}), "no skill `nope`"),
        (
            "preview_fix",
            json!({"path": "escape"}),
            "outside the repository root",
        ),
        ("apply_fix", json!({"path": "../"}), "`..` is not allowed"),
        (
            "apply_fix",
            json!({"path": "escape"}),
            "outside the repository root",
        ),
        (
            "apply_fix",
            json!({"branch": "main..x"}),
            "not a valid branch name",
        ),
        (
            "detect",
            json!({"feed": "/etc/passwd"}),
            "outside the repository root",
        ),
        (
            "attribute",
            json!({"good": "--all", "bad": "HEAD"}),
            "is not a revision",
        ),
        (
            "attribute",
            json!({"good": "nope", "bad": "HEAD"}),
            "does not name a commit",
        ),
        (
            "prepare_revert",
            json!({"commit": "HEAD~5"}),
            "does not name a commit",
        ),
    ];
    for (tool, a, expected) in invalid {
        let (code, message) = refused(&s, tool, a.clone()).await;
        assert_eq!(code, ErrorCode::INVALID_PARAMS, "{tool} {a}: {message}");
        assert!(message.contains(expected), "{tool} {a}: {message}");
    }
    for (tool, a) in [
        ("measure", json!({"head": "HEAD"})),
        ("propose", json!({})),
        ("propose", json!({"feed": "feed.jsonl"})),
    ] {
        let (code, message) = refused(&s, tool, a.clone()).await;
        assert_eq!(code, ErrorCode::INVALID_REQUEST, "{tool}: {message}");
        assert!(message.contains("--allow-exec"), "{tool}: {message}");
    }
    let unknown = call(&s, "rm_rf", json!({})).await;
    assert!(
        matches!(unknown, Err(ServiceError::McpError(_))),
        "{unknown:?}"
    );

    // What stays inside works, and a file scanned alone is reported as the CLI does.
    let scanned = ok(&s, "scan", json!({"path": "src/a.cpp"})).await;
    assert_eq!(
        scanned["findings"][0]["skill"], "cpp/find-single-char",
        "{scanned}"
    );
    assert_eq!(scanned["findings"][0]["path"], "a.cpp");

    assert_eq!(snapshot(dir.path()), before, "nothing changed");

    // apply_fix needs no --allow-exec (it runs nothing): one file, a named branch.
    let applied = ok(
        &s,
        "apply_fix",
        json!({"path": "src/a.cpp", "branch": "perf/find-char"}),
    )
    .await;
    assert_eq!(applied["status"], "committed", "{applied}");
    assert_eq!(applied["changed_paths"], json!(["src/a.cpp"]));
    let tip = repo
        .find_branch("perf/find-char", git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    let blob = tip
        .tree()
        .unwrap()
        .get_path(Path::new("src/a.cpp"))
        .unwrap()
        .to_object(&repo)
        .unwrap()
        .peel_to_blob()
        .unwrap();
    assert!(String::from_utf8_lossy(blob.content()).contains("s.find('x')"));
    let nothing = ok(
        &s,
        "apply_fix",
        json!({"path": "src/a.cpp", "skills": ["cpp/endl-in-loop"]}),
    )
    .await;
    assert_eq!(nothing["status"], "unchanged", "{nothing}");
    assert_eq!(nothing["branch"], Value::Null);
    let mut after = snapshot(dir.path());
    after.branches.retain(|b| b != "perf/find-char");
    assert_eq!(after, before, "only the new branch");
    s.cancel().await.unwrap();
}

/// Processes still alive (not zombies) whose command line contains `token`.
fn live_processes_with(token: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let p = e.path();
        let Ok(cmdline) = std::fs::read(p.join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&cmdline).contains(token) {
            continue;
        }
        let stat = std::fs::read_to_string(p.join("stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if !state.starts_with('Z') {
            found.push(format!("{}: {stat}", p.display()));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_that_runs_too_long_is_stopped_and_cleaned_up() {
    let token = format!("wattson-mcp-timeout-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cpp"), "int main() { return 0; }\n").unwrap();
    std::fs::write(
        dir.path().join(".wattson.toml"),
        format!(
            "[evidence]\nbench = \"sleep 60; echo {token}\"\nbench_format = \"wall\"\nruns = 2\nwarmup = 0\n"
        ),
    )
    .unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    commit_all(&repo, "a program that sleeps");
    let before = snapshot(dir.path());
    let (s, _) = start(dir.path(), &["--allow-exec", "--tool-timeout", "2"]).await;

    let started = Instant::now();
    let peer = s.peer().clone();
    let pending = tokio::spawn(async move {
        peer.call_tool(
            CallToolRequestParams::new("measure").with_arguments(args(json!({"head": "HEAD"}))),
        )
        .await
    });
    // The benchmark really runs before the timeout stops it.
    let mut seen = false;
    while !seen && started.elapsed() < Duration::from_secs(10) {
        seen = !live_processes_with(&token).is_empty();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "the benchmark command never started");
    // The server answers other calls while it runs.
    let t = Instant::now();
    ok(&s, "explain_skill", json!({"id": "rust/redundant-clone"})).await;
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(!pending.is_finished());
    let r = pending.await.unwrap().unwrap();
    assert_eq!(r.is_error, Some(true), "{r:?}");
    let text = format!("{:?}", r.content);
    assert!(text.contains("timed out after 2 s"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // The benchmark's processes are killed and the worktrees removed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !live_processes_with(&token).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        live_processes_with(&token).is_empty(),
        "{:?}",
        live_processes_with(&token)
    );
    // The server goes on serving, and the next tool that makes worktrees
    // runs once the stopped one has really ended.
    let listed = ok(&s, "list_skills", json!({"skills": ["rust"]})).await;
    assert!(listed["skills"].as_array().unwrap().len() >= 5);
    let r = call(&s, "measure", json!({"head": "no-such-rev"})).await;
    assert!(
        matches!(&r, Err(ServiceError::McpError(e)) if e.code == ErrorCode::INVALID_PARAMS),
        "{r:?}"
    );
    assert_eq!(snapshot(dir.path()), before, "the repository is as it was");
    s.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propose_climbs_the_whole_ladder_to_a_local_branch() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cpp"),
        "#include <cstdio>\n#include <string>\n\nint main() {\n    std::string s(300, 'a');\n    s += \"x\";\n    long total = 0;\n    for (int i = 0; i < 100000; ++i) {\n        total += s.find(\"x\");\n    }\n    std::printf(\"%ld\\n\", total);\n    return 0;\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".gitignore"), "prog\n").unwrap();
    std::fs::write(
        dir.path().join(".wattson.toml"),
        "[evidence]\nbuild = \"g++ -O1 -o prog main.cpp\"\ntest = \"./prog > /dev/null\"\n\
         bench = \"./prog\"\nbench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n",
    )
    .unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    commit_all(
        &repo,
        "a program that searches for a string of one character",
    );
    let before = snapshot(dir.path());
    let (s, _) = start(dir.path(), &["--allow-exec"]).await;

    let report = ok(&s, "propose", json!({})).await;
    let candidate = &report["candidates"][0];
    assert_eq!(
        candidate["proposal"]["skill"], "cpp/find-single-char",
        "{report:#}"
    );
    assert_eq!(candidate["outcome"]["status"], "proposed", "{report:#}");
    assert_eq!(candidate["proposal"]["evidence"]["verdict"], "improved");
    let branch = candidate["outcome"]["branch"].as_str().unwrap().to_string();
    assert!(
        branch.starts_with("wattson/cpp-find-single-char/"),
        "{branch}"
    );
    let tip = repo
        .find_branch(&branch, git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.parent(0).unwrap().id().to_string(), before.head);
    let mut after = snapshot(dir.path());
    after.branches.retain(|b| *b != branch);
    assert_eq!(after, before, "only the proposal's branch is new");
    s.cancel().await.unwrap();
}
