//! The world the App's tests share: a developer's clone, the bare
//! repository the fake GitHub (`common/github`) serves with the test App
//! installed, GitHub's own webhook payloads pointed at it, and what the
//! suites assert about the jobs and pull requests that come of it
//! (`github_app`, `app_queue`, `app_runners`, `app_onboarding`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::Repository;
use serde_json::{json, Value};

use super::github::FakeGitHub;
use super::serve::APP_ID;
use crate::common;

pub const REPO: &str = "octo/counter";
pub const INSTALLATION: u64 = 42;

pub const MAIN_CPP: &str = r#"#include <iostream>
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

pub const CONFIG: &str = r#"[evidence]
build = "g++ -O2 -o prog main.cpp"
test = "./prog | grep -qx 10000"
bench = { prog = "./prog" }
bench_format = "callgrind"
runs = 2
warmup = 0

[evidence.thresholds]
min_change_percent = 0.1
"#;

pub fn fixture(path: &str) -> Value {
    let p = common::repo_root()
        .join("tests/fixtures/github-webhooks")
        .join(path);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

pub struct World {
    pub fake: FakeGitHub,
    pub _root: tempfile::TempDir,
    pub work: PathBuf,
    pub work_repo: Repository,
    pub key: PathBuf,
}

/// A developer's clone, the bare repository GitHub serves, and the fake.
pub fn world() -> World {
    world_with(MAIN_CPP, CONFIG)
}

pub fn world_with(main_cpp: &str, config: &str) -> World {
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
    pub fn push_main(&self, before: Option<&str>) -> (String, String) {
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
    pub fn tip(&self, branch: &str) -> git2::Oid {
        let bare = Repository::open(self._root.path().join("counter.git")).unwrap();
        let tip = bare
            .find_reference(&format!("refs/heads/{branch}"))
            .unwrap();
        tip.target().unwrap()
    }

    /// `path` as the remote's `branch` holds it.
    pub fn file_at(&self, branch: &str, path: &str) -> String {
        let bare = Repository::open(self._root.path().join("counter.git")).unwrap();
        let tree = bare.find_commit(self.tip(branch)).unwrap().tree().unwrap();
        let entry = tree.get_path(Path::new(path)).unwrap();
        let blob = bare.find_blob(entry.id()).unwrap();
        String::from_utf8(blob.content().to_vec()).unwrap()
    }

    /// wattson's replies on pull request `number`, oldest first.
    pub fn bot_replies(&self, number: u64) -> Vec<String> {
        self.fake
            .comments(REPO, number)
            .iter()
            .filter(|c| c["user"]["login"] == common::github::BOT_LOGIN)
            .map(|c| c["body"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn commit(&self, file: &str, text: &str, message: &str) {
        std::fs::write(self.work.join(file), text).unwrap();
        common::commit_all(&self.work_repo, message);
    }
}

/// GitHub's own push payload, pointed at this repository's push.
pub fn push_payload(before: &str, after: &str, changed: &[&str]) -> Value {
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
pub fn comment_payload(number: u64, comment: &Value, author_type: &str) -> Value {
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

/// The configuration of the demo program with a build that takes a few
/// seconds: long enough to kill the server while the job runs.
pub fn slow_config() -> String {
    CONFIG.replace("build = \"g++", "build = \"sleep 4 && g++")
}

/// Wait until job `delivery` is running on the server with process id `pid`.
pub fn wait_running(queue_args: &[&str], delivery: &str, pid: u32) {
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
pub fn job_record(queue_args: &[&str], delivery: &str) -> Value {
    let mut args = vec!["jobs", "--format", "json", "--delivery", delivery];
    args.extend_from_slice(queue_args);
    let out = common::run(&args);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    v["jobs"][0].clone()
}

/// Every candidate's pull request was opened once, with evidence.
pub fn assert_each_proposed_once(w: &World, log: &str) {
    assert_each_proposed_once_by(w, log, "job done: push");
}

pub fn assert_each_proposed_once_by(w: &World, log: &str, job_line: &str) {
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
