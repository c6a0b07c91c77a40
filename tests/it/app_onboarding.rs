//! Zero-config onboarding: a Cargo and a CMake repository with no
//! `.wattson.toml` each get one "Configure wattson" pull request whose
//! configuration works (`wattson bench` measures with it, and it is what
//! `wattson init` infers), nothing else until it is merged, and then a
//! measured proposal; closed unmerged, wattson stays quiet until a
//! `.wattson.toml` appears.

use git2::Repository;
use serde_json::{json, Value};

use crate::common;
use crate::common::app::*;
use crate::common::serve::Server;

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

/// Merge the onboarding pull request, push the merge as GitHub would tell
/// of it, and wait for that job (the third) to finish without failing.
fn merge_and_push(w: &World, server: &Server, number: u64, before: &str, delivery: &str) {
    let merged = merge_pull(w, number);
    server.deliver(
        "push",
        delivery,
        &push_payload(
            before,
            &merged,
            &[".wattson.toml", ".github/workflows/wattson.yml"],
        ),
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
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

/// `wattson bench` in the developer's clone with the proposed configuration:
/// it builds, passes the tests and measures.
fn assert_bench_passes_with(w: &World, config: &str) {
    let file = w._root.path().join("proposed.wattson.toml");
    std::fs::write(&file, config).unwrap();
    let out = common::wattson()
        .args([
            "bench", "--base", "HEAD", "--head", "HEAD", "--format", "json", "--config",
        ])
        .arg(&file)
        .arg(&w.work)
        // As on the developer's machine: cargo builds into ./target, where
        // the inferred bench looks (the test's own CARGO_TARGET_DIR would
        // send the build elsewhere).
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wattson bench with\n{config}\n{}",
        common::stderr(&out)
    );
    let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert!(!v["benchmarks"].as_array().unwrap().is_empty(), "{v:#}");
    assert_eq!(v["build"]["status"], "passed", "{v:#}");
    assert_eq!(v["tests"]["status"], "passed", "{v:#}");
}

/// `wattson init` on the developer's checkout infers what the onboarding
/// pull request proposes, byte for byte.
fn assert_init_agrees(w: &World, proposed: &str) {
    let out = common::run(&["init", w.work.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(
        common::stdout(&out),
        proposed,
        "wattson init and onboarding"
    );
}

/// After the onboarding pull request was merged and the merge pushed: a
/// pull request with measured evidence besides the onboarding one, which
/// stays the only one of its kind.
fn assert_measured_proposal(w: &World, log: &str) {
    let pulls = w.fake.pulls(REPO);
    let proposals: Vec<&Value> = pulls
        .iter()
        .filter(|p| p["head"]["ref"] != "wattson/configure")
        .collect();
    assert!(
        !proposals.is_empty(),
        "a measured proposal: {pulls:#?}\n{log}"
    );
    for p in proposals {
        let body = p["body"].as_str().unwrap();
        assert!(
            body.contains("### Evidence") && body.contains("instructions"),
            "{body}"
        );
    }
    assert_eq!(
        pulls
            .iter()
            .filter(|p| p["title"] == "Configure wattson")
            .count(),
        1,
        "{pulls:#?}"
    );
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
    assert_init_agrees(&w, &config);
    // The configuration works: the test measures with it.
    assert_bench_passes_with(&w, &config);
    merge_and_push(&w, &server, number, &first, "cargo-2");
    assert!(
        server
            .log()
            .contains("adding .wattson.toml: the whole tree"),
        "{}",
        server.log()
    );
    assert_measured_proposal(&w, &server.log());
}

const CMAKE_LISTS: &str = "cmake_minimum_required(VERSION 3.13)\nproject(counter CXX)\nadd_executable(counter main.cpp)\nenable_testing()\nadd_test(NAME counts COMMAND counter)\n";

#[test]
fn a_cmake_repository_without_configuration_gets_one_onboarding_pull_request_and_after_merging_a_measured_proposal(
) {
    let w = world_of(&[("CMakeLists.txt", CMAKE_LISTS), ("main.cpp", MAIN_CPP)]);
    let (_, first) = w.push_main(None);
    let server = Server::start(&w.fake.url, &w.key);
    // The first push opens it (no installation event was seen) ...
    server.deliver(
        "push",
        "cmake-1",
        &push_payload(&"0".repeat(40), &first, &["main.cpp"]),
    );
    server.wait_jobs(1);
    // ... and the installation event, late, opens no second one.
    server.deliver(
        "installation_repositories",
        "cmake-install",
        &added_payload(),
    );
    let h = server.wait_jobs(2);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    let (number, config) = onboarding_pull(&w, &server.log());
    assert!(config.contains("cmake -S . -B build"), "{config}");
    assert!(config.contains("ctest --test-dir build"), "{config}");
    assert!(config.contains("./build/counter"), "{config}");
    assert_init_agrees(&w, &config);
    assert_bench_passes_with(&w, &config);
    merge_and_push(&w, &server, number, &first, "cmake-2");
    assert_measured_proposal(&w, &server.log());
}

const MAKEFILE: &str = "counter: main.cpp\n\tg++ -O2 -o counter main.cpp\n";

#[test]
fn an_onboarding_pull_request_closed_unmerged_keeps_wattson_quiet_until_a_configuration_appears() {
    let w = world_of(&[("Makefile", MAKEFILE), ("main.cpp", MAIN_CPP)]);
    let (_, first) = w.push_main(None);
    let server = Server::start(&w.fake.url, &w.key);
    server.deliver("installation_repositories", "make-1", &added_payload());
    server.wait_jobs(1);
    let (number, config) = onboarding_pull(&w, &server.log());
    assert!(config.contains("build = \"make -j2\""), "{config}");
    assert!(config.contains("./counter"), "{config}");
    assert_init_agrees(&w, &config);

    // Closed without merging: quiet, whatever is pushed, and no new one.
    w.fake.close_pull(REPO, number, false);
    w.commit(
        "main.cpp",
        &MAIN_CPP.replace("int main() {", "// Counts.\nint main() {"),
        "a comment",
    );
    let (_, second) = w.push_main(Some(&first));
    server.deliver(
        "push",
        "make-2",
        &push_payload(&first, &second, &["main.cpp"]),
    );
    server.wait_jobs(2);
    assert_eq!(w.fake.pulls(REPO).len(), 1, "{}", server.log());
    assert!(server.log().contains("stays quiet"), "{}", server.log());

    // Until a .wattson.toml appears: the inferred one, written by hand.
    w.commit(".wattson.toml", &config, "configure wattson ourselves");
    let (_, third) = w.push_main(Some(&second));
    server.deliver(
        "push",
        "make-3",
        &push_payload(&second, &third, &[".wattson.toml"]),
    );
    let h = server.wait_jobs(3);
    assert_eq!(h["failed"], 0, "{h}\n{}", server.log());
    assert!(
        server
            .log()
            .contains("adding .wattson.toml: the whole tree"),
        "{}",
        server.log()
    );
    assert_measured_proposal(&w, &server.log());
}
