//! The GitHub App end to end: `wattson serve` as its own process, a fake
//! GitHub (REST and git smart HTTP on loopback, `tests/it/common/github/`)
//! with a real bare repository, and GitHub's own webhook payloads signed with
//! a test secret.
//!
//! A signed push opens a pull request carrying measured evidence; the same
//! delivery twice is one job; a forged one is refused and does nothing; a
//! reviewer's `@wattson reject` closes the pull request, and the next push
//! does not propose the change again. A posted feed opens a revert; the
//! Action proposes with the workflow's token; reviewers' commands are
//! carried out. (The queue, the runners and onboarding have suites of their
//! own: `app_queue`, `app_runners`, `app_onboarding`.)

use std::path::Path;

use git2::Repository;
use serde_json::{json, Value};

use crate::common;
use crate::common::app::*;
use crate::common::serve::{http, sign, Server};

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

const MAIN_C: &str = "#include <stdio.h>\nunsigned long checksum(unsigned long rounds);\nunsigned long banner(void);\nint main(void) {\n    printf(\"%lu %lu\\n\", checksum(300000UL), banner());\n    return 0;\n}\n";
const HOT_FAST: &str = "unsigned long checksum(unsigned long rounds) {\n    unsigned long x = 1;\n    for (unsigned long i = 0; i < rounds; ++i) {\n        x = x * 6364136223846793005UL + i;\n    }\n    return x;\n}\n";
const HOT_SLOW: &str = "unsigned long checksum(unsigned long rounds) {\n    unsigned long x = 1;\n    for (unsigned long i = 0; i < rounds; ++i) {\n        volatile unsigned long again = x * 6364136223846793005UL + i;\n        x = x * 6364136223846793005UL + i;\n        (void)again;\n    }\n    return x;\n}\n";

/// A C program's history with a regression at one commit, and the feed CI
/// would have recorded for it (one count per commit, with a real series'
/// wobble): the world, the feed and the culprit.
fn regression_world() -> (World, String, String) {
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
    (w, feed, culprit)
}

#[test]
fn a_signed_feed_with_a_regression_opens_a_revert_pull_request() {
    let (w, feed, culprit) = regression_world();
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
    assert_revert_pull_request(&w, &culprit, &server.log());
}

/// The fake GitHub has a pull request reverting `culprit`, with the
/// regression, its chart, the attribution and the evidence.
fn assert_revert_pull_request(w: &World, culprit: &str, log: &str) {
    let pulls = w.fake.pulls(REPO);
    let revert = pulls
        .iter()
        .find(|p| {
            p["head"]["ref"]
                .as_str()
                .unwrap()
                .starts_with("wattson/revert/")
        })
        .unwrap_or_else(|| panic!("{pulls:#?}\n{log}"));
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
/// Pushes `branch` to the fake GitHub's repository: one commit, no parent,
/// holding `text` at `path` (how github-action-benchmark keeps gh-pages).
fn push_orphan_branch(w: &World, branch: &str, path: &str, text: &str) {
    let scratch = tempfile::tempdir().unwrap();
    let repo = Repository::init(scratch.path()).unwrap();
    let file = scratch.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, text).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new(path)).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let who = git2::Signature::now("bench bot", "bench@example.com").unwrap();
    let id = repo
        .commit(None, &who, &who, "benchmark results", &tree, &[])
        .unwrap();
    repo.reference(&format!("refs/heads/{branch}"), id, true, "results")
        .unwrap();
    let bare = w._root.path().join("counter.git");
    let mut remote = repo.remote_anonymous(bare.to_str().unwrap()).unwrap();
    remote
        .push(
            &[format!("+refs/heads/{branch}:refs/heads/{branch}").as_str()],
            None,
        )
        .unwrap();
}

#[test]
fn a_feed_on_the_gh_pages_branch_opens_a_revert_pull_request() {
    // The feed lives where github-action-benchmark keeps it; the post names
    // it instead of carrying it.
    let (w, feed, culprit) = regression_world();
    w.push_main(None);
    push_orphan_branch(&w, "gh-pages", "dev/bench/data.jsonl", &feed);
    let server = Server::start(&w.fake.url, &w.key);
    let path = format!(
        "/feed?repo={REPO}&installation={INSTALLATION}&source=git:gh-pages:dev/bench/data.jsonl"
    );
    let (status, answer) = http(
        &server.addr,
        "POST",
        &path,
        &[("X-Hub-Signature-256", &sign(b""))],
        b"",
    );
    assert_eq!(status, 202, "{answer}");
    let h = server.wait_jobs(1);
    assert_eq!(h["completed"], 1, "{h}\n{}", server.log());
    assert_revert_pull_request(&w, &culprit, &server.log());
    // A malformed source is refused before anything is queued.
    let (status, answer) = http(
        &server.addr,
        "POST",
        &format!("/feed?repo={REPO}&source=git:gh-pages"),
        &[("X-Hub-Signature-256", &sign(b""))],
        b"",
    );
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("git:<branch>:<path>"), "{answer}");
}

#[test]
fn with_actions_a_feed_on_a_branch_goes_to_the_workflow_as_where_it_is_kept() {
    // The server reads nothing and runs nothing: the workflow's Action reads
    // the feed from the branch itself.
    let (w, feed, _) = regression_world();
    let workflow =
        std::fs::read_to_string(common::repo_root().join("github/wattson-workflow.yml")).unwrap();
    std::fs::create_dir_all(w.work.join(".github/workflows")).unwrap();
    w.commit(
        ".github/workflows/wattson.yml",
        &workflow,
        "the wattson workflow",
    );
    w.push_main(None);
    push_orphan_branch(&w, "gh-pages", "dev/bench/data.jsonl", &feed);
    let server = Server::start_with(&w.fake.url, &w.key, tempfile::tempdir().unwrap(), &[]);
    let source = "git:gh-pages:dev/bench/data.jsonl";
    let (status, answer) = http(
        &server.addr,
        "POST",
        &format!("/feed?repo={REPO}&installation={INSTALLATION}&source={source}"),
        &[("X-Hub-Signature-256", &sign(b""))],
        b"",
    );
    assert_eq!(status, 202, "{answer}");
    let h = server.wait_jobs(1);
    assert_eq!(h["completed"], 1, "{h}\n{}", server.log());
    let dispatches = w.fake.dispatches();
    assert_eq!(dispatches.len(), 1, "{dispatches:#?}\n{}", server.log());
    let inputs = &dispatches[0]["inputs"];
    assert_eq!(
        (&inputs["mode"], &inputs["feed_source"], &inputs["feed"]),
        (&json!("defend"), &json!(source), &json!("")),
        "{inputs:#}"
    );
    assert!(w.fake.pulls(REPO).is_empty(), "nothing is proposed here");
}

/// `wattson action --mode defend --feed FEED` in the developer's checkout,
/// against the fake GitHub with the workflow's token.
fn defend(w: &World, feed: &str) -> std::process::Output {
    common::wattson()
        .args(["action", "--mode", "defend", "--feed", feed])
        .current_dir(&w.work)
        .env("GITHUB_TOKEN", "ghs_actions_token")
        .env("GITHUB_API_URL", &w.fake.url)
        .env("GITHUB_REPOSITORY", REPO)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap()
}

#[test]
fn the_action_defends_with_a_feed_on_a_branch_it_fetches() {
    // actions/checkout leaves one branch: the Action fetches gh-pages from
    // origin itself before reading the feed there.
    let (w, feed, culprit) = regression_world();
    w.push_main(None);
    push_orphan_branch(&w, "gh-pages", "dev/bench/data.jsonl", &feed);
    let bare = w._root.path().join("counter.git");
    w.work_repo
        .remote("origin", bare.to_str().unwrap())
        .unwrap();
    assert!(w
        .work_repo
        .find_reference("refs/remotes/origin/gh-pages")
        .is_err());
    w.fake.add_token("ghs_actions_token");
    let out = defend(&w, "git:gh-pages:dev/bench/data.jsonl");
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(w
        .work_repo
        .find_reference("refs/remotes/origin/gh-pages")
        .is_ok());
    assert_revert_pull_request(&w, &culprit, &common::stderr(&out));
    // A branch that origin does not have either: what to do, exit status 2.
    let out = defend(&w, "git:results:data.jsonl");
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let err = common::stderr(&out);
    assert!(
        err.contains("branch `results`") && err.contains("fetch"),
        "{err}"
    );
}
