//! The GitHub App end to end: `wattson serve` as its own process, a fake
//! GitHub (REST and git smart HTTP on loopback, `tests/it/common/github.rs`)
//! with a real bare repository, and GitHub's own webhook payloads signed with
//! a test secret.
//!
//! A signed push opens a pull request carrying measured evidence; the same
//! delivery twice is one job; a forged one is refused and does nothing; a
//! reviewer's `@wattson reject` closes the pull request, and the next push
//! does not propose the change again.

use crate::common;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::github::FakeGitHub;
use crate::common::serve::{http, sign, Server, APP_ID};
use git2::Repository;
use serde_json::{json, Value};

const REPO: &str = "octo/counter";
const INSTALLATION: u64 = 42;

const MAIN_CPP: &str = r#"#include <iostream>
#include <string>
#include <vector>

static int count_commas(const std::vector<std::string>& lines) {
    int n = 0;
    for (const std::string& l : lines) {
        if (l.find(",") != std::string::npos) {
            n++;
        }
    }
    return n;
}

int main() {
    std::vector<std::string> lines;
    for (int i = 0; i < 20000; i++) {
        lines.push_back(std::to_string(i) + (i % 2 ? ",x" : ";x"));
    }
    std::cout << count_commas(lines) << "\n";
    return 0;
}
"#;

const CONFIG: &str = r#"[evidence]
build = "g++ -O2 -o prog main.cpp"
test = "./prog | grep -qx 10000"
bench = { prog = "./prog" }
bench_format = "callgrind"
runs = 2
warmup = 0

[evidence.thresholds]
min_change_percent = 0.1
"#;

fn fixture(path: &str) -> Value {
    let p = common::repo_root()
        .join("tests/fixtures/github-webhooks")
        .join(path);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

struct World {
    fake: FakeGitHub,
    _root: tempfile::TempDir,
    work: PathBuf,
    work_repo: Repository,
    key: PathBuf,
}

/// A developer's clone, the bare repository GitHub serves, and the fake.
fn world() -> World {
    world_with(MAIN_CPP, CONFIG)
}

fn world_with(main_cpp: &str, config: &str) -> World {
    let root = tempfile::tempdir().unwrap();
    let bare = root.path().join("counter.git");
    Repository::init_bare(&bare).unwrap();
    let fake = FakeGitHub::start();
    fake.add_repo(REPO, &bare, "main");
    let fixtures = common::repo_root().join("tests/fixtures/github-app");
    let public = std::fs::read_to_string(fixtures.join("test-app-key.pub.pem")).unwrap();
    fake.add_installation(INSTALLATION, APP_ID, &public);

    let work = root.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let work_repo = Repository::init(&work).unwrap();
    work_repo.set_head("refs/heads/main").unwrap();
    std::fs::write(work.join("main.cpp"), main_cpp).unwrap();
    std::fs::write(work.join(".wattson.toml"), config).unwrap();
    std::fs::write(work.join(".gitignore"), "prog\n").unwrap();
    common::commit_all(&work_repo, "count commas");
    World {
        fake,
        _root: root,
        work,
        work_repo,
        key: fixtures.join("test-app-key.pem"),
    }
}

impl World {
    /// Push the developer's main to the bare repository directly (as if over
    /// the network), returning (before, after).
    fn push_main(&self, before: Option<&str>) -> (String, String) {
        let bare = self._root.path().join("counter.git");
        let after = self.work_repo.head().unwrap().target().unwrap();
        let mut remote = self
            .work_repo
            .remote_anonymous(bare.to_str().unwrap())
            .unwrap();
        remote
            .push(&["+refs/heads/main:refs/heads/main"], None)
            .unwrap();
        (
            before
                .unwrap_or("0000000000000000000000000000000000000000")
                .to_string(),
            after.to_string(),
        )
    }

    /// The commit `branch` points to on the remote (the bare repository).
    fn tip(&self, branch: &str) -> git2::Oid {
        let bare = Repository::open(self._root.path().join("counter.git")).unwrap();
        let tip = bare
            .find_reference(&format!("refs/heads/{branch}"))
            .unwrap();
        tip.target().unwrap()
    }

    /// `path` as the remote's `branch` holds it.
    fn file_at(&self, branch: &str, path: &str) -> String {
        let bare = Repository::open(self._root.path().join("counter.git")).unwrap();
        let tree = bare.find_commit(self.tip(branch)).unwrap().tree().unwrap();
        let entry = tree.get_path(Path::new(path)).unwrap();
        let blob = bare.find_blob(entry.id()).unwrap();
        String::from_utf8(blob.content().to_vec()).unwrap()
    }

    /// wattson's replies on pull request `number`, oldest first.
    fn bot_replies(&self, number: u64) -> Vec<String> {
        self.fake
            .comments(REPO, number)
            .iter()
            .filter(|c| c["user"]["login"] == common::github::BOT_LOGIN)
            .map(|c| c["body"].as_str().unwrap().to_string())
            .collect()
    }

    fn commit(&self, file: &str, text: &str, message: &str) {
        std::fs::write(self.work.join(file), text).unwrap();
        common::commit_all(&self.work_repo, message);
    }
}

/// GitHub's own push payload, pointed at this repository's push.
fn push_payload(before: &str, after: &str, changed: &[&str]) -> Value {
    let mut p = fixture("push/with-installation.payload.json");
    p["ref"] = json!("refs/heads/main");
    p["before"] = json!(before);
    p["after"] = json!(after);
    p["repository"]["full_name"] = json!(REPO);
    p["repository"]["name"] = json!("counter");
    p["repository"]["default_branch"] = json!("main");
    p["installation"]["id"] = json!(INSTALLATION);
    p["commits"] = json!([{ "id": after, "added": [], "removed": [], "modified": changed }]);
    p
}

/// GitHub's own issue_comment payload, as a comment on pull request `number`.
fn comment_payload(number: u64, comment: &Value, author_type: &str) -> Value {
    let mut p = fixture("issue_comment/created.with-installation.payload.json");
    p["issue"]["number"] = json!(number);
    p["issue"]["pull_request"] =
        json!({ "url": format!("https://api.github.com/repos/{REPO}/pulls/{number}") });
    p["comment"] = comment.clone();
    p["sender"]["login"] = comment["user"]["login"].clone();
    p["sender"]["type"] = json!(author_type);
    p["repository"]["full_name"] = json!(REPO);
    p["installation"]["id"] = json!(INSTALLATION);
    p
}

#[test]
fn push_proposes_with_evidence_reject_is_honoured_and_nothing_runs_twice() {
    let w = world();
    let server = Server::start(&w.fake.url, &w.key);
    let (_, first) = w.push_main(None);

    // Forged: refused, nothing queued.
    let body = serde_json::to_vec(&push_payload(
        "0".repeat(40).as_str(),
        &first,
        &["main.cpp"],
    ))
    .unwrap();
    let (status, _) = server.deliver_signed("push", "forged-1", &body, &sign(b"something else"));
    assert_eq!(status, 401);
    let (status, _) = server.deliver_signed("push", "forged-2", &body, "");
    assert_eq!(status, 401);
    let h = server.health();
    assert_eq!(
        (
            h["refused"].as_u64(),
            h["queue"]["queued"].as_u64(),
            h["running"].as_u64()
        ),
        (Some(2), Some(0), Some(0))
    );

    // Signed: accepted fast; the same delivery again is one job.
    let payload = push_payload(&"0".repeat(40), &first, &["main.cpp"]);
    let (status, answer) = server.deliver("push", "delivery-1", &payload);
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = server.deliver("push", "delivery-1", &payload);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("duplicate"), "{answer}");
    let h = server.wait_jobs(1);
    assert_eq!(h["completed"], 1, "{h}\n{}", server.log());
    assert_eq!(h["duplicates"], 1);
    assert_eq!(
        server.log().matches("delivery=delivery-1").count(),
        1,
        "{}",
        server.log()
    );

    let pulls = w.fake.pulls(REPO);
    assert!(
        !pulls.is_empty(),
        "no pull request opened:\n{}",
        server.log()
    );
    let find_single_char = pulls
        .iter()
        .find(|p| {
            p["head"]["ref"]
                .as_str()
                .unwrap()
                .starts_with("wattson/cpp-find-single-char/")
        })
        .unwrap_or_else(|| panic!("{pulls:#?}\n{}", server.log()));
    let body = find_single_char["body"].as_str().unwrap();
    assert!(body.contains("### Evidence"), "{body}");
    assert!(
        body.contains("| callgrind") || body.contains("instructions"),
        "{body}"
    );
    assert!(body.contains("wattson:fingerprint="), "{body}");
    assert!(body.contains("@wattson reject"), "the command list: {body}");
    let labels: Vec<&str> = find_single_char["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"wattson")
            && labels.contains(&"performance")
            && labels.contains(&"cpp/find-single-char"),
        "{labels:?}"
    );
    assert_eq!(find_single_char["base"]["ref"], "main");
    let number = find_single_char["number"].as_u64().unwrap();
    let opened = pulls.len();
    // The pushed commit carries a check run that says what came of it.
    let checks = w.fake.check_runs(REPO);
    assert_eq!(checks.len(), 1, "{checks:#?}");
    assert_eq!(checks[0]["head_sha"], first.as_str());
    assert_eq!(checks[0]["status"], "completed");
    let summary = checks[0]["output"]["summary"].as_str().unwrap();
    assert!(
        summary.contains(find_single_char["html_url"].as_str().unwrap()),
        "{summary}"
    );

    // Not a writer: not obeyed. A bot: not even answered.
    let stranger = w
        .fake
        .add_comment(REPO, number, "passerby", "NONE", "User", "@wattson reject");
    server.deliver(
        "issue_comment",
        "delivery-2",
        &comment_payload(number, &stranger, "User"),
    );
    let bot = w
        .fake
        .add_comment(REPO, number, "other[bot]", "NONE", "Bot", "@wattson reject");
    server.deliver(
        "issue_comment",
        "delivery-3",
        &comment_payload(number, &bot, "Bot"),
    );
    server.wait_jobs(3);
    let pr = &w.fake.pulls(REPO)[(number - 1) as usize];
    assert_eq!(pr["state"], "open", "{}", server.log());

    // The owner rejects: closed, answered, remembered.
    let owner = w.fake.add_comment(
        REPO,
        number,
        "octocat",
        "OWNER",
        "User",
        "@wattson reject not on this path",
    );
    let (status, _) = server.deliver(
        "issue_comment",
        "delivery-4",
        &comment_payload(number, &owner, "User"),
    );
    assert_eq!(status, 202);
    server.wait_jobs(4);
    let pr = w
        .fake
        .pulls(REPO)
        .into_iter()
        .find(|p| p["number"] == number)
        .unwrap();
    assert_eq!(pr["state"], "closed", "{}", server.log());
    let replies = w.bot_replies(number);
    assert_eq!(
        replies.len(),
        2,
        "one for the stranger, one for the owner: {replies:#?}"
    );
    assert!(
        replies.iter().any(|r| r.contains("write access")),
        "{replies:#?}"
    );
    assert!(
        replies.iter().any(|r| r.contains("will not propose")),
        "{replies:#?}"
    );
    assert!(
        w.fake
            .reactions()
            .iter()
            .any(|r| r["comment_id"] == owner["id"] && r["content"] == "+1"),
        "{:#?}",
        w.fake.reactions()
    );

    // The next push touching the same file does not propose it again.
    w.commit(
        "main.cpp",
        &MAIN_CPP.replace("int main() {", "// Counts.\nint main() {"),
        "a comment",
    );
    let (before, second) = w.push_main(Some(&first));
    // GitHub's plain push example has no `installation`: the App looks it up.
    let mut payload = push_payload(&before, &second, &["main.cpp"]);
    payload.as_object_mut().unwrap().remove("installation");
    server.deliver("push", "delivery-5", &payload);
    server.wait_jobs(5);
    let pulls = w.fake.pulls(REPO);
    assert_eq!(
        pulls.len(),
        opened,
        "no new pull request: {pulls:#?}\n{}",
        server.log()
    );
    assert!(server.log().contains("declined"), "{}", server.log());
    let checks = w.fake.check_runs(REPO);
    let on_second = checks
        .iter()
        .find(|c| c["head_sha"] == second.as_str())
        .expect("a check run on the second push");
    assert!(
        on_second["output"]["summary"]
            .as_str()
            .unwrap()
            .contains("declined"),
        "{on_second:#}"
    );
    let h = server.health();
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    // Five jobs, one installation token: it is cached until it expires.
    let minted = w
        .fake
        .requests()
        .iter()
        .filter(|(m, p, _)| m == "POST" && p.contains("/access_tokens"))
        .count();
    assert_eq!(minted, 1);
    let looked_up = w.fake.requests().iter().any(|(m, p, status)| {
        m == "GET" && p == &format!("/repos/{REPO}/installation") && *status == 200
    });
    assert!(
        looked_up,
        "the push without `installation` found it through the API"
    );
}

#[test]
fn the_app_manifest_asks_for_what_the_server_uses() {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(common::repo_root().join("github/app-manifest.json")).unwrap(),
    )
    .unwrap();
    let perms = manifest["default_permissions"].as_object().unwrap();
    for (name, access) in [
        ("contents", "write"),
        ("pull_requests", "write"),
        ("issues", "write"),
        ("checks", "write"),
        // Dispatching the onboarding workflow, and adding it.
        ("actions", "write"),
        ("workflows", "write"),
        ("metadata", "read"),
    ] {
        assert_eq!(perms[name], access, "{name}");
    }
    // Every event the App subscribes to is one the server reads (a real
    // payload of it parses to something other than "ignored").
    for event in manifest["default_events"].as_array().unwrap() {
        let event = event.as_str().unwrap();
        let dir = common::repo_root()
            .join("tests/fixtures/github-webhooks")
            .join(event);
        let acted_on = std::fs::read_dir(&dir).unwrap().any(|f| {
            let body = std::fs::read(f.unwrap().path()).unwrap();
            !matches!(
                wattson::app::serve::webhook::parse(event, &body),
                Ok(wattson::app::serve::webhook::Incoming::Ignored { .. }) | Err(_)
            )
        });
        assert!(acted_on, "{event}: subscribed but never acted on");
    }
    assert!(manifest["hook_attributes"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/webhook"));
}

#[test]
fn reviewers_get_help_unknown_commands_are_answered_and_ignore_opens_its_own_pull_request() {
    let w = world();
    let server = Server::start(&w.fake.url, &w.key);
    let (_, first) = w.push_main(None);
    server.deliver(
        "push",
        "d-1",
        &push_payload(&"0".repeat(40), &first, &["main.cpp"]),
    );
    server.wait_jobs(1);
    let pulls = w.fake.pulls(REPO);
    let number = pulls.first().unwrap_or_else(|| panic!("{}", server.log()))["number"]
        .as_u64()
        .unwrap();
    let opened = pulls.len();

    let comment = w.fake.add_comment(
        REPO,
        number,
        "octocat",
        "MEMBER",
        "User",
        "Thanks!\n@wattson help\n@wattson frobnicate\n@wattson ignore skill cpp/find-single-char",
    );
    server.deliver(
        "issue_comment",
        "d-2",
        &comment_payload(number, &comment, "User"),
    );
    server.wait_jobs(2);
    // The same comment delivered again (a new delivery id) is not answered twice.
    server.deliver(
        "issue_comment",
        "d-3",
        &comment_payload(number, &comment, "User"),
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());

    let replies = w.bot_replies(number);
    assert_eq!(replies.len(), 3, "{replies:#?}");
    assert!(
        replies[0].contains("@wattson rebench"),
        "help lists the commands: {}",
        replies[0]
    );
    assert!(
        replies[1].contains("frobnicate") && replies[1].contains("@wattson help"),
        "{}",
        replies[1]
    );
    assert!(replies[2].contains("Proposed in"), "{}", replies[2]);

    let pulls = w.fake.pulls(REPO);
    assert_eq!(pulls.len(), opened + 1, "{pulls:#?}");
    let config_pr = pulls.last().unwrap();
    let branch = config_pr["head"]["ref"].as_str().unwrap();
    assert!(branch.starts_with("wattson/config/"), "{branch}");
    // The branch holds the configuration change, comments and all.
    let text = w.file_at(branch, ".wattson.toml");
    assert!(text.starts_with("[evidence]"), "{text}");
    assert!(
        text.contains("[ignore]") && text.contains("\"cpp/find-single-char\""),
        "{text}"
    );

    // Measuring again, and redoing the rewrite on the default branch's tip.
    w.commit("README", "counts commas\n", "docs");
    w.push_main(Some(&first));
    let comment = w.fake.add_comment(
        REPO,
        number,
        "octocat",
        "OWNER",
        "User",
        "@wattson rebench\n@wattson rebase",
    );
    server.deliver(
        "issue_comment",
        "d-4",
        &comment_payload(number, &comment, "User"),
    );
    let h = server.wait_jobs(4);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let replies = w.bot_replies(number);
    assert_eq!(replies.len(), 5, "{replies:#?}");
    assert!(
        replies[3].contains("Measured again") && replies[3].contains("callgrind"),
        "{}",
        replies[3]
    );
    assert!(replies[4].contains("Rebased onto `main`"), "{}", replies[4]);
    let pr = w
        .fake
        .pulls(REPO)
        .into_iter()
        .find(|p| p["number"] == number)
        .unwrap();
    let pr_branch = pr["head"]["ref"].as_str().unwrap();
    let tip = w.tip(pr_branch);
    let bare = Repository::open(w._root.path().join("counter.git")).unwrap();
    assert_eq!(
        bare.find_commit(tip).unwrap().parent_id(0).unwrap(),
        w.tip("main"),
        "the branch sits on main's new tip"
    );

    // Refinements that would leave nothing say so instead of acting.
    let comment = w.fake.add_comment(
        REPO,
        number,
        "octocat",
        "COLLABORATOR",
        "User",
        "@wattson refine drop main.cpp\n@wattson refine drop other.cpp\n@wattson refine only rust/borrow-instead-of-clone\n@wattson refine variant fast",
    );
    server.deliver(
        "issue_comment",
        "d-5",
        &comment_payload(number, &comment, "User"),
    );
    let h = server.wait_jobs(5);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let replies = w.bot_replies(number);
    assert_eq!(replies.len(), 9, "{replies:#?}");
    assert!(replies[5].contains("nothing is left"), "{}", replies[5]);
    assert!(
        replies[6].contains("not part of this proposal") && replies[6].contains("`main.cpp`"),
        "{}",
        replies[6]
    );
    assert!(
        replies[7].contains("none of `rust/borrow-instead-of-clone`"),
        "{}",
        replies[7]
    );
    assert!(replies[8].contains("no variant `fast`"), "{}", replies[8]);
    assert_eq!(w.tip(pr_branch), tip, "the branch is untouched");
}

/// The configuration of the demo program with a build that takes a few
/// seconds: long enough to kill the server while the job runs.
fn slow_config() -> String {
    CONFIG.replace("build = \"g++", "build = \"sleep 4 && g++")
}

/// Wait until job `delivery` is running on the server with process id `pid`.
fn wait_running(queue_args: &[&str], delivery: &str, pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut args = vec!["jobs", "--format", "json", "--delivery", delivery];
        args.extend_from_slice(queue_args);
        let out = common::run(&args);
        if out.status.success() {
            let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
            let job = &v["jobs"][0];
            let mine = job["owner"]
                .as_str()
                .is_some_and(|o| o.contains(&format!(":{pid}:")));
            if job["state"] == "running" && mine {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "job {delivery} never ran on {pid}: {}",
            common::stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The one job of `delivery` in the history.
fn job_record(queue_args: &[&str], delivery: &str) -> Value {
    let mut args = vec!["jobs", "--format", "json", "--delivery", delivery];
    args.extend_from_slice(queue_args);
    let out = common::run(&args);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    v["jobs"][0].clone()
}

#[test]
fn an_instance_killed_mid_job_on_postgres_has_its_job_finished_by_another() {
    let w = world_with(MAIN_CPP, &slow_config());
    let pg = crate::common::postgres::Postgres::start();
    let queue = pg.database("killed");
    let flags = [
        "--queue",
        queue.as_str(),
        "--lease",
        "2",
        "--runner",
        "sandbox",
    ];
    let a = Server::start_with(&w.fake.url, &w.key, tempfile::tempdir().unwrap(), &flags);
    let (before, after) = w.push_main(None);
    let (status, _) = a.deliver(
        "push",
        "kill-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    assert_eq!(status, 202);
    wait_running(&["--queue", &queue], "kill-1", a.child.id());
    let b = Server::start_with(&w.fake.url, &w.key, tempfile::tempdir().unwrap(), &flags);
    // Redelivered to the other instance while it runs: still one job.
    let (status, _) = b.deliver(
        "push",
        "kill-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    assert_eq!(status, 200);
    let mut a = a;
    a.child.kill().unwrap(); // SIGKILL: no goodbye, the lease just stops being renewed
    a.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(240);
    let job = loop {
        let job = job_record(&["--queue", &queue], "kill-1");
        if job["state"] == "done" || job["state"] == "failed" {
            break job;
        }
        assert!(
            Instant::now() < deadline,
            "not finished: {job}\n{}",
            b.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(job["state"], "done", "{job}\n{}", b.log());
    assert_eq!(job["attempts"], 2, "{job}");
    assert!(
        job["owner"]
            .as_str()
            .unwrap()
            .contains(&format!(":{}:", b.child.id())),
        "finished by the other instance: {job}"
    );
    assert!(b.log().contains("taking over a job"), "{}", b.log());
    assert_each_proposed_once(&w, &b.log());
}

/// Every candidate's pull request was opened once, with evidence.
fn assert_each_proposed_once(w: &World, log: &str) {
    assert_each_proposed_once_by(w, log, "job done: push");
}

fn assert_each_proposed_once_by(w: &World, log: &str, job_line: &str) {
    let pulls = w.fake.pulls(REPO);
    assert!(!pulls.is_empty(), "{log}");
    let mut branches: Vec<&str> = pulls
        .iter()
        .map(|p| p["head"]["ref"].as_str().unwrap())
        .collect();
    branches.sort();
    branches.dedup();
    assert_eq!(
        branches.len(),
        pulls.len(),
        "a change proposed twice: {branches:?}"
    );
    let done = log
        .lines()
        .find(|l| l.contains(job_line))
        .unwrap_or_default();
    assert!(
        done.contains(&format!("{} proposed", pulls.len())),
        "{done}"
    );
    for p in &pulls {
        assert!(
            p["body"].as_str().unwrap().contains("### Evidence"),
            "{p:#}"
        );
    }
}

#[test]
fn a_single_instance_on_sqlite_killed_and_restarted_loses_nothing() {
    let w = world_with(MAIN_CPP, &slow_config());
    let server = Server::start_with(
        &w.fake.url,
        &w.key,
        tempfile::tempdir().unwrap(),
        &["--lease", "2", "--runner", "sandbox"],
    );
    let state_dir = server.state.path().display().to_string();
    let sqlite = ["--state-dir", state_dir.as_str()];
    let (before, after) = w.push_main(None);
    server.deliver(
        "push",
        "restart-1",
        &push_payload(&before, &after, &["main.cpp"]),
    );
    wait_running(&sqlite, "restart-1", server.child.id());
    // Two more wait behind it (one worker).
    let ping: Value = fixture("ping/payload.json");
    for id in ["restart-2", "restart-3"] {
        assert_eq!(server.deliver("ping", id, &ping).0, 202);
    }
    let state = server.kill();
    assert_eq!(job_record(&sqlite, "restart-2")["state"], "queued");

    let mut server = Server::start_with(
        &w.fake.url,
        &w.key,
        state,
        &["--lease", "2", "--runner", "sandbox"],
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["completed"], 3, "{h}\n{}", server.log());
    let job = job_record(&sqlite, "restart-1");
    assert_eq!(
        (job["state"].as_str(), job["attempts"].as_i64()),
        (Some("done"), Some(2)),
        "{job}"
    );
    assert_each_proposed_once(&w, &server.log());
    // Still seen after the restart: redelivering is a duplicate.
    assert_eq!(server.deliver("ping", "restart-2", &ping).0, 200);
    // The history is served to an administrator only.
    let (status, _) = http(&server.addr, "GET", "/jobs", &[], b"");
    assert_eq!(status, 404, "no --admin-token, no /jobs");
    server = {
        let state = server.kill();
        Server::start_with(
            &w.fake.url,
            &w.key,
            state,
            &["--admin-token", "let-me-see", "--runner", "sandbox"],
        )
    };
    let (status, _) = http(
        &server.addr,
        "GET",
        "/jobs",
        &[("Authorization", "Bearer nope")],
        b"",
    );
    assert_eq!(status, 401);
    let (status, body) = http(
        &server.addr,
        "GET",
        "/jobs?state=done",
        &[("Authorization", "Bearer let-me-see")],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let jobs: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 3, "{jobs:#}");

    // The feed endpoint is signed like a webhook.
    let feed = b"{\"commit\":\"abc\",\"series\":\"t\",\"value\":1}\n";
    let (status, _) = http(
        &server.addr,
        "POST",
        &format!("/feed?repo={REPO}"),
        &[],
        feed,
    );
    assert_eq!(status, 401);
    let (status, _) = http(
        &server.addr,
        "POST",
        "/feed?repo=not-a-repo",
        &[("X-Hub-Signature-256", &sign(feed))],
        feed,
    );
    assert_eq!(status, 400);

    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "no exit after SIGTERM: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}\n{}", server.log());
    assert!(server.log().contains("shutting down"), "{}", server.log());
}

const MAIN_C: &str = "#include <stdio.h>\nunsigned long checksum(unsigned long rounds);\nunsigned long banner(void);\nint main(void) {\n    printf(\"%lu %lu\\n\", checksum(300000UL), banner());\n    return 0;\n}\n";
const HOT_FAST: &str = "unsigned long checksum(unsigned long rounds) {\n    unsigned long x = 1;\n    for (unsigned long i = 0; i < rounds; ++i) {\n        x = x * 6364136223846793005UL + i;\n    }\n    return x;\n}\n";
const HOT_SLOW: &str = "unsigned long checksum(unsigned long rounds) {\n    unsigned long x = 1;\n    for (unsigned long i = 0; i < rounds; ++i) {\n        volatile unsigned long again = x * 6364136223846793005UL + i;\n        x = x * 6364136223846793005UL + i;\n        (void)again;\n    }\n    return x;\n}\n";

#[test]
fn a_signed_feed_with_a_regression_opens_a_revert_pull_request() {
    let w = world();
    let config = "[evidence]\nbuild = \"cc -O1 -o prog main.c hot.c util.c\"\ntest = \"./prog | grep -q ' '\"\n\
                  bench = { prog = \"./prog\" }\nbench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n\
                  [regression]\nmax_p_value = 0.01\n";
    let banner = |v: u32| format!("unsigned long banner(void) {{\n    return {v}UL;\n}}\n");
    std::fs::remove_file(w.work.join("main.cpp")).unwrap();
    std::fs::write(w.work.join("main.c"), MAIN_C).unwrap();
    std::fs::write(w.work.join("hot.c"), HOT_FAST).unwrap();
    std::fs::write(w.work.join(".wattson.toml"), config).unwrap();
    w.commit("util.c", &banner(0), "a C program");
    // A history as CI would record it: a step up at the culprit, with the
    // small wobble of a real series.
    let mut feed = String::new();
    let mut culprit = String::new();
    for v in 1..16u32 {
        if v == 8 {
            w.commit("hot.c", HOT_SLOW, "checksum: keep a copy");
        } else {
            w.commit("util.c", &banner(v), &format!("banner v{v}"));
        }
        let id = w.work_repo.head().unwrap().target().unwrap().to_string();
        if v == 8 {
            culprit = id.clone();
        }
        let base = if v >= 8 { 1_500_000.0 } else { 1_200_000.0 };
        let wobble = [0.0, 310.0, -270.0, 120.0, -80.0, 450.0, -390.0, 60.0][v as usize % 8];
        feed.push_str(&format!(
            "{{\"series\": \"prog/instructions\", \"commit\": \"{id}\", \"value\": {}, \"unit\": \"instructions\"}}\n",
            base + wobble
        ));
    }
    w.push_main(None);
    let server = Server::start(&w.fake.url, &w.key);
    let path = format!("/feed?repo={REPO}&installation={INSTALLATION}&format=jsonl");
    let signature = sign(feed.as_bytes());
    let (status, answer) = http(
        &server.addr,
        "POST",
        &path,
        &[("X-Hub-Signature-256", &signature)],
        feed.as_bytes(),
    );
    assert_eq!(status, 202, "{answer}");
    let h = server.wait_jobs(1);
    assert_eq!(h["completed"], 1, "{h}\n{}", server.log());
    let pulls = w.fake.pulls(REPO);
    let revert = pulls
        .iter()
        .find(|p| {
            p["head"]["ref"]
                .as_str()
                .unwrap()
                .starts_with("wattson/revert/")
        })
        .unwrap_or_else(|| panic!("{pulls:#?}\n{}", server.log()));
    let body = revert["body"].as_str().unwrap();
    for part in [
        "### Regression",
        "### Chart",
        "### Attribution",
        "### Evidence",
        &culprit[..10],
    ] {
        assert!(body.contains(part), "{part}: {body}");
    }
    assert!(
        revert["title"].as_str().unwrap().contains("Revert"),
        "{revert:#}"
    );
}

#[test]
fn the_action_in_propose_mode_opens_a_pull_request_with_the_workflow_token() {
    let w = world();
    w.push_main(None);
    w.fake.add_token("ghs_actions_token");
    let summary = w._root.path().join("summary.md");
    let outputs = w._root.path().join("outputs.txt");
    let out = common::wattson()
        .args(["action", "--mode", "propose"])
        .current_dir(&w.work)
        .env("GITHUB_TOKEN", "ghs_actions_token")
        .env("GITHUB_API_URL", &w.fake.url)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let pulls = w.fake.pulls(REPO);
    assert!(!pulls.is_empty(), "{}", common::stderr(&out));
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    let urls: Vec<String> = pulls
        .iter()
        .map(|p| p["html_url"].as_str().unwrap().to_string())
        .collect();
    for url in &urls {
        assert!(outputs.contains(url.as_str()), "{outputs}");
    }
    assert!(
        outputs.contains(&format!("proposed={}", pulls.len())),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains(&urls[0]), "{summary}");
    // The developer's checkout is as it was: HEAD, branch and files.
    assert_eq!(w.work_repo.head().unwrap().shorthand().unwrap(), "main");
    assert!(w.work_repo.statuses(None).unwrap().is_empty());
}

#[test]
fn refine_variant_rebuilds_the_proposal_in_the_chosen_form_and_rebase_keeps_it() {
    let lines = "#include <iostream>\nint main() {\n    for (int i = 0; i < 2000; i++) {\n        std::cout << i << std::endl;\n    }\n    return 0;\n}\n";
    let config = CONFIG.replace("grep -qx 10000", "tail -1 | grep -qx 1999");
    let w = world_with(lines, &config);
    let server = Server::start(&w.fake.url, &w.key);
    let (_, first) = w.push_main(None);
    server.deliver(
        "push",
        "v-1",
        &push_payload(&"0".repeat(40), &first, &["main.cpp"]),
    );
    server.wait_jobs(1);
    let pulls = w.fake.pulls(REPO);
    assert_eq!(pulls.len(), 1, "{pulls:#?}\n{}", server.log());
    let number = pulls[0]["number"].as_u64().unwrap();
    let branch = pulls[0]["head"]["ref"].as_str().unwrap().to_string();
    assert!(branch.starts_with("wattson/cpp-endl-in-loop/"), "{branch}");
    let main_cpp_at_tip = || (w.tip(&branch), w.file_at(&branch, "main.cpp"));
    assert!(main_cpp_at_tip().1.contains("<< i << '\\n';"));

    let comment = w.fake.add_comment(
        REPO,
        number,
        "octocat",
        "OWNER",
        "User",
        "@wattson refine variant string-newline",
    );
    server.deliver(
        "issue_comment",
        "v-2",
        &comment_payload(number, &comment, "User"),
    );
    let h = server.wait_jobs(2);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let (variant_tip, text) = main_cpp_at_tip();
    assert!(
        text.contains("<< i << \"\\n\";"),
        "{text}\n{}",
        server.log()
    );
    let pr = &w.fake.pulls(REPO)[0];
    let body = pr["body"].as_str().unwrap();
    assert!(
        body.contains("### Variant") && body.contains("variant=string-newline"),
        "{body}"
    );
    assert!(body.contains("### Evidence"), "{body}");

    // A rebase onto a newer main keeps the chosen form.
    w.commit("README", "lines\n", "docs");
    w.push_main(Some(&first));
    let comment = w
        .fake
        .add_comment(REPO, number, "octocat", "OWNER", "User", "@wattson rebase");
    server.deliver(
        "issue_comment",
        "v-3",
        &comment_payload(number, &comment, "User"),
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let (rebased_tip, text) = main_cpp_at_tip();
    assert_ne!(rebased_tip, variant_tip);
    assert!(text.contains("<< i << \"\\n\";"), "{text}");
    let replies = w.bot_replies(number);
    assert!(
        replies[0].contains("Rebuilt as variant `string-newline`"),
        "{replies:#?}"
    );
    assert!(
        replies[1].contains("as variant `string-newline`"),
        "{replies:#?}"
    );
}

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

#[test]
fn the_schedule_scans_every_installed_repository_as_a_whole_with_no_push() {
    let w = world();
    // On GitHub, but no delivery says so: only the schedule finds it.
    w.push_main(None);
    let server = Server::start_with(
        &w.fake.url,
        &w.key,
        tempfile::tempdir().unwrap(),
        &["--runner", "sandbox", "--schedule", "3s"],
    );
    let state_dir = server.state.path().display().to_string();
    let deadline = Instant::now() + Duration::from_secs(240);
    let job = loop {
        let out = common::run(&[
            "jobs",
            "--state-dir",
            &state_dir,
            "--state",
            "done",
            "--format",
            "json",
        ]);
        if out.status.success() {
            let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
            if let Some(j) = v["jobs"].as_array().and_then(|a| a.last()).cloned() {
                break j;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no scheduled job ran: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(job["event"], "wattson_schedule", "{job}");
    assert_eq!(job["repo"], REPO, "{job}");
    assert!(
        job["delivery"]
            .as_str()
            .unwrap()
            .starts_with(&format!("schedule:{REPO}:")),
        "{job}"
    );
    assert!(
        job["result"]
            .as_str()
            .unwrap()
            .starts_with("scheduled scan of octo/counter"),
        "{job}"
    );
    assert_each_proposed_once_by(&w, &server.log(), "job done: scheduled scan");
    // The App listed its installations and their repositories to find it.
    let requests = w.fake.requests();
    assert!(requests
        .iter()
        .any(|(m, p, s)| m == "GET" && p.starts_with("/app/installations") && *s == 200));
    assert!(requests
        .iter()
        .any(|(m, p, s)| m == "GET" && p.starts_with("/installation/repositories") && *s == 200));
}

/// A repository on the fake GitHub made of `files`, with no `.wattson.toml`.
fn world_of(files: &[(&str, &str)]) -> World {
    let w = world();
    std::fs::remove_file(w.work.join(".wattson.toml")).unwrap();
    std::fs::remove_file(w.work.join("main.cpp")).unwrap();
    for (name, text) in files {
        let p = w.work.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::write(w.work.join(".gitignore"), "target/\nbuild/\n").unwrap();
    // Start over: one commit, without the files `world` made.
    {
        let mut index = w.work_repo.index().unwrap();
        index.clear().unwrap();
        index
            .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = w.work_repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
        let first = w
            .work_repo
            .commit(None, &sig, &sig, "a project", &tree, &[])
            .unwrap();
        w.work_repo
            .reference("refs/heads/main", first, true, "start over")
            .unwrap();
    }
    w
}

/// GitHub's `installation_repositories` payload: `REPO` was added.
fn added_payload() -> Value {
    let mut p = fixture("installation_repositories/added.payload.json");
    p["installation"]["id"] = json!(INSTALLATION);
    p["repositories_added"] = json!([{ "id": 1, "node_id": "R_1", "name": "counter", "full_name": REPO, "private": true }]);
    p
}

/// Merge pull request `number` as GitHub would: the default branch moves to
/// its head (the onboarding branch is based on it), and the developer pulls.
fn merge_pull(w: &World, number: u64) -> String {
    let pull = w
        .fake
        .pulls(REPO)
        .into_iter()
        .find(|p| p["number"] == number)
        .unwrap();
    let head = git2::Oid::from_str(pull["head"]["sha"].as_str().unwrap()).unwrap();
    let bare = Repository::open(w._root.path().join("counter.git")).unwrap();
    bare.reference("refs/heads/main", head, true, "merge")
        .unwrap();
    w.fake.close_pull(REPO, number, true);
    let mut remote = w
        .work_repo
        .remote_anonymous(bare.path().to_str().unwrap())
        .unwrap();
    remote
        .fetch(&["+refs/heads/main:refs/heads/main"], None, None)
        .unwrap_or_else(|_| {
            // The developer's main is checked out: fetch aside, then move it.
            remote
                .fetch(&["+refs/heads/main:refs/remotes/origin/main"], None, None)
                .unwrap();
        });
    let commit = w.work_repo.find_commit(head).unwrap();
    w.work_repo
        .reset(commit.as_object(), git2::ResetType::Hard, None)
        .unwrap();
    head.to_string()
}

/// The one onboarding pull request: its number and the `.wattson.toml` it adds.
fn onboarding_pull(w: &World, log: &str) -> (u64, String) {
    let pulls = w.fake.pulls(REPO);
    assert_eq!(pulls.len(), 1, "one pull request: {pulls:#?}\n{log}");
    let p = &pulls[0];
    assert_eq!(p["title"], "Configure wattson");
    assert_eq!(p["head"]["ref"], "wattson/configure");
    let body = p["body"].as_str().unwrap();
    assert!(
        body.contains("nothing else is proposed until then"),
        "{body}"
    );
    let config = w.file_at("wattson/configure", ".wattson.toml");
    let workflow = w.file_at("wattson/configure", ".github/workflows/wattson.yml");
    assert!(workflow.contains("workflow_dispatch"));
    (p["number"].as_u64().unwrap(), config)
}

/// `wattson bench` in the developer's clone with the proposed configuration.
fn bench_with(w: &World, config: &str) -> Value {
    let file = w._root.path().join("proposed.wattson.toml");
    std::fs::write(&file, config).unwrap();
    let out = common::wattson()
        .args([
            "bench", "--base", "HEAD", "--head", "HEAD", "--format", "json", "--config",
        ])
        .arg(&file)
        .arg(&w.work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wattson bench with\n{config}\n{}",
        common::stderr(&out)
    );
    let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert!(!v["benchmarks"].as_array().unwrap().is_empty(), "{v:#}");
    v
}

const CARGO_MAIN: &str = "fn main() {\n    let n: usize = 200_000;\n    let mut v = Vec::new();\n    for i in 0..n {\n        v.push(i as u64 * 3);\n    }\n    let total: u64 = v.iter().sum();\n    println!(\"{total}\");\n}\n";

#[test]
fn a_cargo_repository_without_configuration_gets_one_onboarding_pull_request_and_after_merging_a_measured_proposal(
) {
    let w = world_of(&[
        ("Cargo.toml", "[package]\nname = \"tally\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("Cargo.lock", "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"tally\"\nversion = \"0.1.0\"\n"),
        ("src/main.rs", CARGO_MAIN),
    ]);
    let (_, first) = w.push_main(None);
    let server = Server::start(&w.fake.url, &w.key);
    // Installed: the onboarding pull request comes at once.
    server.deliver("installation_repositories", "install-1", &added_payload());
    server.wait_jobs(1);
    // A push before it is merged proposes nothing, and no second one.
    server.deliver(
        "push",
        "cargo-1",
        &push_payload(&"0".repeat(40), &first, &["src/main.rs"]),
    );
    let h = server.wait_jobs(2);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    assert!(
        server.log().contains("waits to be merged"),
        "{}",
        server.log()
    );
    let (number, config) = onboarding_pull(&w, &server.log());
    assert!(
        config.contains("build = \"cargo build --release\""),
        "{config}"
    );
    assert!(config.contains("./target/release/tally"), "{config}");
    // The configuration works: the test measures with it.
    let evidence = bench_with(&w, &config);
    assert_eq!(evidence["build"]["status"], "passed", "{evidence:#}");

    let merged = merge_pull(&w, number);
    server.deliver(
        "push",
        "cargo-2",
        &push_payload(
            &first,
            &merged,
            &[".wattson.toml", ".github/workflows/wattson.yml"],
        ),
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let pulls = w.fake.pulls(REPO);
    let proposal = pulls
        .iter()
        .find(|p| p["head"]["ref"] != "wattson/configure")
        .unwrap_or_else(|| panic!("a measured proposal: {pulls:#?}\n{}", server.log()));
    let body = proposal["body"].as_str().unwrap();
    assert!(
        body.contains("### Evidence") && body.contains("instructions"),
        "{body}"
    );
    assert_eq!(
        pulls
            .iter()
            .filter(|p| p["title"] == "Configure wattson")
            .count(),
        1
    );
}

const CMAKE_LISTS: &str = "cmake_minimum_required(VERSION 3.13)\nproject(counter CXX)\nadd_executable(counter main.cpp)\nenable_testing()\nadd_test(NAME counts COMMAND counter)\n";

#[test]
fn a_cmake_repository_gets_one_onboarding_pull_request_stays_quiet_when_it_is_closed_and_proposes_once_configured(
) {
    let w = world_of(&[("CMakeLists.txt", CMAKE_LISTS), ("main.cpp", MAIN_CPP)]);
    let (_, first) = w.push_main(None);
    let server = Server::start(&w.fake.url, &w.key);
    server.deliver(
        "push",
        "cmake-1",
        &push_payload(&"0".repeat(40), &first, &["main.cpp"]),
    );
    server.wait_jobs(1);
    // Redelivered, and pushed again: still the one pull request.
    server.deliver(
        "installation_repositories",
        "cmake-install",
        &added_payload(),
    );
    server.wait_jobs(2);
    let (number, config) = onboarding_pull(&w, &server.log());
    assert!(config.contains("cmake -S . -B build"), "{config}");
    assert!(config.contains("ctest --test-dir build"), "{config}");
    assert!(config.contains("./build/counter"), "{config}");
    let evidence = bench_with(&w, &config);
    assert_eq!(evidence["tests"]["status"], "passed", "{evidence:#}");

    // Closed without merging: quiet, whatever is pushed.
    w.fake.close_pull(REPO, number, false);
    w.commit(
        "main.cpp",
        &MAIN_CPP.replace("int main() {", "// Counts.\nint main() {"),
        "a comment",
    );
    let (_, second) = w.push_main(Some(&first));
    server.deliver(
        "push",
        "cmake-2",
        &push_payload(&first, &second, &["main.cpp"]),
    );
    server.wait_jobs(3);
    assert_eq!(w.fake.pulls(REPO).len(), 1, "{}", server.log());
    assert!(server.log().contains("stays quiet"), "{}", server.log());

    // Until a .wattson.toml appears: the inferred one, written by hand.
    w.commit(".wattson.toml", &config, "configure wattson ourselves");
    let (_, third) = w.push_main(Some(&second));
    server.deliver(
        "push",
        "cmake-3",
        &push_payload(&second, &third, &[".wattson.toml"]),
    );
    let h = server.wait_jobs(4);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let pulls = w.fake.pulls(REPO);
    let proposals: Vec<&Value> = pulls
        .iter()
        .filter(|p| p["head"]["ref"] != "wattson/configure")
        .collect();
    assert!(!proposals.is_empty(), "{pulls:#?}\n{}", server.log());
    for p in proposals {
        assert!(
            p["body"].as_str().unwrap().contains("### Evidence"),
            "{p:#}"
        );
    }
}
