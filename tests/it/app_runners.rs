//! Where the repository's commands run, since the server holds the App's
//! key: `--runner sandbox` (bubblewrap: a build that tries to read the key,
//! reach the network or write outside its checkout is refused all three,
//! and the job says so) and `--runner actions` (the job goes to the
//! repository's own workflow with a token minted for that repository
//! alone, which the Action then uses); the workflow onboarding adds is a
//! valid workflow taking what the App sends.

use git2::Repository;
use serde_json::{json, Value};

use crate::common;
use crate::common::app::*;
use crate::common::serve::{http, Server};

/// A build that tries to read the App's key, reach a server on loopback and
/// write outside its checkout, saying what each attempt did, then fails.
/// (One line at the end: the failure's reason is the log's last line.)
const PROBE: &str = r#"exec 2>/dev/null
if cat "$1" >/dev/null; then key='key: READ'; else key='key: refused'; fi
if (exec 3<>"/dev/tcp/127.0.0.1/$2"); then net='network: CONNECTED'; else net='network: refused'; fi
if echo x > "$3/escaped"; then out='outside: WRITTEN'; else out='outside: refused'; fi
echo "probe: $key, $net, $out"
exit 1
"#;

#[test]
fn under_the_sandbox_a_build_cannot_read_the_key_reach_the_network_or_write_outside_and_the_job_says_so(
) {
    let outside = tempfile::tempdir().unwrap();
    let w = world();
    let fake_port = w.fake.url.rsplit(':').next().unwrap().to_string();
    let state = tempfile::tempdir().unwrap();
    // The key where an operator might keep it: in the state directory.
    let key = state.path().join("app.pem");
    std::fs::copy(&w.key, &key).unwrap();
    let build = format!(
        "bash probe.sh {} {fake_port} {}",
        key.display(),
        outside.path().display()
    );
    let config = CONFIG.replace(
        "build = \"g++ -O2 -o prog main.cpp\"",
        &format!("build = \"{build}\""),
    );
    assert!(config.contains("probe.sh"), "{config}");
    std::fs::write(w.work.join("probe.sh"), PROBE).unwrap();
    w.commit(".wattson.toml", &config, "a build that probes");

    // Unconfined, the probe gets all three: the test is not vacuous.
    let out = std::process::Command::new("bash")
        .args(["-c", &build])
        .current_dir(&w.work)
        .output()
        .unwrap();
    let free = common::stdout(&out);
    for got in ["key: READ", "network: CONNECTED", "outside: WRITTEN"] {
        assert!(free.contains(got), "{free}");
    }
    std::fs::remove_file(outside.path().join("escaped")).unwrap();

    let server = Server::start_with(&w.fake.url, &key, state, &["--runner", "sandbox"]);
    let (before, after) = w.push_main(None);
    server.deliver(
        "push",
        "probe-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    let h = server.wait_jobs(1);
    assert_eq!(
        h["failed"],
        1,
        "the base does not build: {h}\n{}",
        server.log()
    );
    let state_dir = server.state.path().display().to_string();
    let job = job_record(&["--state-dir", &state_dir], "probe-1");
    let result = job["result"].as_str().unwrap_or_default();
    assert!(
        result.contains("probe: key: refused, network: refused, outside: refused"),
        "the job's record says what was refused: {job}"
    );
    let checks = w.fake.check_runs(REPO);
    let summary = checks
        .iter()
        .find(|c| c["head_sha"] == after.as_str())
        .and_then(|c| c["output"]["summary"].as_str())
        .unwrap_or_else(|| panic!("{checks:#?}"))
        .to_string();
    for refused in ["key: refused", "network: refused", "outside: refused"] {
        assert!(summary.contains(refused), "{refused}: {summary}");
    }
    assert!(!outside.path().join("escaped").exists());
    assert!(
        w.fake.pulls(REPO).is_empty(),
        "a failed build proposes nothing"
    );
}

#[test]
fn with_actions_the_job_goes_to_the_repositorys_workflow_with_a_token_for_it_alone() {
    let w = world();
    let workflow =
        std::fs::read_to_string(common::repo_root().join("github/wattson-workflow.yml")).unwrap();
    std::fs::create_dir_all(w.work.join(".github/workflows")).unwrap();
    w.commit(
        ".github/workflows/wattson.yml",
        &workflow,
        "the wattson workflow",
    );
    // Another repository of the same installation.
    let other = w._root.path().join("other.git");
    Repository::init_bare(&other).unwrap();
    w.fake.add_repo("octo/other", &other, "main");

    let server = Server::start_with(&w.fake.url, &w.key, tempfile::tempdir().unwrap(), &[]);
    let (before, after) = w.push_main(None);
    server.deliver(
        "push",
        "actions-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    let h = server.wait_jobs(1);
    assert_eq!(h["completed"], 1, "{h}\n{}", server.log());
    assert!(
        server.log().contains("dispatched `propose`"),
        "{}",
        server.log()
    );
    // Nothing was built or measured here.
    assert!(!server.log().contains("candidate"), "{}", server.log());
    assert!(w.fake.pulls(REPO).is_empty());

    let dispatches = w.fake.dispatches();
    assert_eq!(dispatches.len(), 1, "{dispatches:#?}");
    let d = &dispatches[0];
    assert_eq!(
        (
            d["repository"].as_str(),
            d["workflow"].as_str(),
            d["ref"].as_str()
        ),
        (Some(REPO), Some("wattson.yml"), Some("main"))
    );
    assert_eq!(
        (d["inputs"]["mode"].as_str(), d["inputs"]["sha"].as_str()),
        (Some("propose"), Some(after.as_str()))
    );
    let token = d["inputs"]["token"].as_str().unwrap().to_string();
    assert_ne!(
        token,
        d["token"].as_str().unwrap(),
        "not the token the App dispatched with"
    );
    let scope = w.fake.token_scope(&token);
    assert_eq!(scope["repositories"], json!(["counter"]), "{scope:#}");
    let mut granted: Vec<(String, String)> = scope["permissions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    granted.sort();
    let expected: Vec<(String, String)> = [
        ("checks", "write"),
        ("contents", "write"),
        ("issues", "write"),
        ("metadata", "read"),
        ("pull_requests", "write"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(granted, expected, "only what a proposal needs");
    // It reaches nothing else: not the other repository, not Actions.
    let (status, _) = http(
        w.fake.url.trim_start_matches("http://"),
        "GET",
        "/repos/octo/other",
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("User-Agent", "test"),
        ],
        b"",
    );
    assert_eq!(status, 404);
    let body = br#"{"ref":"main","inputs":{}}"#;
    let (status, _) = http(
        w.fake.url.trim_start_matches("http://"),
        "POST",
        &format!("/repos/{REPO}/actions/workflows/wattson.yml/dispatches"),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("User-Agent", "test"),
        ],
        body,
    );
    assert_eq!(
        status, 403,
        "the minted token cannot dispatch workflows itself"
    );

    // The repository's runner does the rest: the Action with that token.
    let out = common::wattson()
        .args(["action", "--mode", "propose"])
        .current_dir(&w.work)
        .env("INPUT_TOKEN", &token)
        .env("GITHUB_TOKEN", "not-this-one")
        .env("GITHUB_API_URL", &w.fake.url)
        .env("GITHUB_REPOSITORY", REPO)
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let pulls = w.fake.pulls(REPO);
    assert!(!pulls.is_empty(), "{}", common::stderr(&out));
    assert!(pulls
        .iter()
        .all(|p| p["body"].as_str().unwrap().contains("### Evidence")));
}

#[test]
fn the_onboarding_workflow_is_a_valid_workflow_taking_what_the_app_sends() {
    let text =
        std::fs::read_to_string(common::repo_root().join("github/wattson-workflow.yml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/schemas/github-workflow.json")).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let inputs = doc["on"]["workflow_dispatch"]["inputs"]
        .as_object()
        .unwrap();
    for name in ["mode", "sha", "token", "feed"] {
        assert!(inputs.contains_key(name), "{name}");
    }
    let modes = &inputs["mode"]["options"];
    assert_eq!(modes, &json!(["propose", "defend"]));
    // It runs the Action with the App's token when there is one.
    let step = doc["jobs"]["wattson"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("wattson-bot/wattson"))
        })
        .unwrap();
    assert_eq!(step["with"]["token"], "${{ inputs.token || github.token }}");
    let mut broken = doc.clone();
    broken["jobs"]["wattson"]["runs-on"] = json!(42);
    assert!(
        validator.iter_errors(&broken).next().is_some(),
        "the schema can fail"
    );
}
