//! The GitHub forge against the fake GitHub: pull requests deduplicated by
//! fingerprint, declined ones never proposed again, the open-PR cap, rate
//! limits waited out without a second pull request, and a branch a person
//! pushed to left alone.

use crate::common;
use crate::common::github::FakeGitHub;
use git2::Repository;
use wattson::app::github::{Connector, Credentials};
use wattson::config::{Config, GitHubConfig};
use wattson::forge::github::GitHubForge;
use wattson::forge::Forge;
use wattson::lang::Lang;
use wattson::pipeline::{rewrite_at, Rewrite};
use wattson::proposal::Proposal;
use wattson::skills::SkillSet;

const REPO: &str = "octo/forge";
const TOKEN: &str = "ghs_test_token_for_the_forge";

const SOURCE: &str = r#"#include <string>
#include <vector>
int f(const std::vector<std::string>& v) {
    int n = 0;
    for (const std::string& s : v) {
        if (s.find(",") != std::string::npos) n++;
        if (s.find(";") != std::string::npos) n++;
    }
    return n;
}
"#;

struct Setup {
    fake: FakeGitHub,
    runtime: tokio::runtime::Runtime,
    _root: tempfile::TempDir,
    bare: std::path::PathBuf,
    local: std::path::PathBuf,
}

fn setup() -> Setup {
    let root = tempfile::tempdir().unwrap();
    let bare = root.path().join("forge.git");
    Repository::init_bare(&bare).unwrap();
    let local = root.path().join("local");
    let repo = Repository::init(&local).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    std::fs::write(local.join("a.cpp"), SOURCE).unwrap();
    std::fs::write(local.join("b.cpp"), SOURCE).unwrap();
    common::commit_all(&repo, "initial");
    repo.remote_anonymous(bare.to_str().unwrap())
        .unwrap()
        .push(&["refs/heads/main:refs/heads/main"], None)
        .unwrap();
    let fake = FakeGitHub::start();
    fake.add_repo(REPO, &bare, "main");
    fake.add_token(TOKEN);
    Setup {
        fake,
        runtime: tokio::runtime::Runtime::new().unwrap(),
        _root: root,
        bare,
        local,
    }
}

impl Setup {
    fn forge(&self, config: &GitHubConfig) -> GitHubForge {
        let _entered = self.runtime.enter();
        let connector = Connector::new(&self.fake.url, Credentials::Token(TOKEN.into())).unwrap();
        let api = self
            .runtime
            .block_on(connector.api(REPO, None, config))
            .unwrap();
        GitHubForge::new(api, &self.local, config, self.runtime.handle().clone())
    }

    /// The `cpp/find-single-char` rewrite of `file`, committed (unreferenced).
    fn proposal(&self, file: &str) -> (Proposal, git2::Oid) {
        let repo = Repository::open(&self.local).unwrap();
        let head = repo.head().unwrap().target().unwrap();
        let skills = SkillSet::builtin().unwrap();
        match rewrite_at(
            &repo,
            head,
            file,
            Lang::Cpp,
            "cpp/find-single-char",
            &skills,
            None,
        )
        .unwrap()
        {
            Rewrite::Applied { proposal, commit } => (proposal, commit),
            Rewrite::DidNotApply { notes, .. } => panic!("{notes:?}"),
        }
    }

    fn posts_to_pulls(&self) -> Vec<u16> {
        self.fake
            .requests()
            .into_iter()
            .filter(|(m, p, _)| m == "POST" && p == &format!("/repos/{REPO}/pulls"))
            .map(|(_, _, s)| s)
            .collect()
    }
}

fn config() -> GitHubConfig {
    let mut c = Config::defaults().github;
    c.max_rate_limit_wait = 5;
    c
}

#[test]
fn the_same_fingerprint_updates_one_pull_request_and_a_declined_one_never_returns() {
    let s = setup();
    let forge = s.forge(&config());
    let (proposal, commit) = s.proposal("a.cpp");
    let first = forge.publish(&proposal, commit).unwrap();
    assert!(!first.updated);
    assert!(first.location.contains("/pull/1"), "{}", first.location);
    let again = forge.publish(&proposal, commit).unwrap();
    assert!(again.updated);
    let pulls = s.fake.pulls(REPO);
    assert_eq!(pulls.len(), 1, "{pulls:#?}");
    let labels: Vec<&str> = pulls[0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["wattson", "performance", "cpp/find-single-char"]);
    // The branch on the remote is wattson's commit.
    let bare = Repository::open(&s.bare).unwrap();
    let tip = bare
        .find_reference(&format!("refs/heads/{}", proposal.branch_name()))
        .unwrap()
        .target()
        .unwrap();
    assert_eq!(tip, commit);

    assert_eq!(forge.declined(&proposal).unwrap(), None);
    s.fake.close_pull(REPO, 1, false);
    let reason = forge
        .declined(&proposal)
        .unwrap()
        .expect("declined after closing");
    assert!(reason.contains("#1"), "{reason}");
    let err = forge.publish(&proposal, commit).unwrap_err();
    assert!(
        format!("{err:#}").contains("closed without merging"),
        "{err:#}"
    );
    assert_eq!(s.fake.pulls(REPO).len(), 1);
}

#[test]
fn a_rate_limited_create_is_waited_out_and_opens_one_pull_request() {
    let s = setup();
    let forge = s.forge(&config());
    let (proposal, commit) = s.proposal("a.cpp");
    s.fake
        .rate_limit_next("POST", &format!("/repos/{REPO}/pulls"), 1, true);
    let started = std::time::Instant::now();
    forge.publish(&proposal, commit).unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "Retry-After was honoured"
    );
    assert_eq!(s.posts_to_pulls(), [403, 201]);
    assert_eq!(s.fake.pulls(REPO).len(), 1);

    // A limit longer than the configured wait fails clearly, creating nothing.
    let (other, commit) = s.proposal("b.cpp");
    s.fake
        .rate_limit_next("POST", &format!("/repos/{REPO}/pulls"), 10, false);
    let mut impatient = config();
    impatient.max_attempts = 2;
    let err = s.forge(&impatient).publish(&other, commit).unwrap_err();
    assert!(format!("{err:#}").contains("rate limit"), "{err:#}");
    assert_eq!(s.fake.pulls(REPO).len(), 1);
}

#[test]
fn the_open_pull_request_cap_holds_further_proposals_back() {
    let s = setup();
    let mut capped = config();
    capped.max_open_pull_requests = 1;
    let forge = s.forge(&capped);
    let (a, ca) = s.proposal("a.cpp");
    let (b, cb) = s.proposal("b.cpp");
    forge.publish(&a, ca).unwrap();
    let err = forge.publish(&b, cb).unwrap_err();
    assert!(
        format!("{err:#}").contains("max_open_pull_requests"),
        "{err:#}"
    );
    assert_eq!(s.fake.pulls(REPO).len(), 1);
    // The open one can still be updated.
    assert!(forge.publish(&a, ca).unwrap().updated);
}

#[test]
fn a_branch_a_person_pushed_to_is_left_alone() {
    let s = setup();
    let forge = s.forge(&config());
    let (proposal, commit) = s.proposal("a.cpp");
    forge.publish(&proposal, commit).unwrap();
    // A person commits on wattson's branch.
    let branch = proposal.branch_name();
    let bare = Repository::open(&s.bare).unwrap();
    let tip = bare
        .find_commit(
            bare.find_reference(&format!("refs/heads/{branch}"))
                .unwrap()
                .target()
                .unwrap(),
        )
        .unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    let human = bare
        .commit(
            Some(&format!("refs/heads/{branch}")),
            &sig,
            &sig,
            "my tweak",
            &tip.tree().unwrap(),
            &[&tip],
        )
        .unwrap();
    let err = forge.publish(&proposal, commit).unwrap_err();
    assert!(format!("{err:#}").contains("did not make"), "{err:#}");
    let now = bare
        .find_reference(&format!("refs/heads/{branch}"))
        .unwrap()
        .target()
        .unwrap();
    assert_eq!(now, human, "the person's commit is still the tip");
    // And the default branch is never pushed.
    let repo = Repository::open(&s.local).unwrap();
    let err = s
        .runtime
        .block_on(forge.push_own_branch(&repo, commit, "main"))
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("never the default branch"),
        "{err:#}"
    );
}
