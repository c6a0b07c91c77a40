//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod app;
pub mod github;
pub mod postgres;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn wattson() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wattson"))
}

pub fn run(args: &[&str]) -> Output {
    wattson().args(args).output().expect("wattson runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy a directory tree (no symlinks), skipping build outputs.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "build" {
            continue;
        }
        let dest = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Commit everything in `repo`'s working tree on top of HEAD (the first
/// commit when there is none), as a developer would; returns its id.
pub fn commit_all(repo: &git2::Repository, message: &str) -> String {
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
        .to_string()
}

/// The bundled demo copied into a new directory, with `wattson_toml` as its
/// `.wattson.toml`, a profile `demo.folded` in folded stacks (as `perf` and
/// `inferno` write them: the text functions hot, the grid ones lukewarm) and
/// a feed `feed.jsonl`; nothing committed yet.
pub fn demo_with_profile_and_feed(wattson_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("demo"), dir.path());
    std::fs::write(dir.path().join(".wattson.toml"), wattson_toml).unwrap();
    std::fs::write(
        dir.path().join("demo.folded"),
        "main;analyze_text;total_vowels;count_vowels 600\nmain;analyze_text;make_words 250\n\
         main;analyze_grid;row_medians 100\nmain;analyze_grid;make_cells 50\n",
    )
    .unwrap();
    std::fs::copy(
        repo_root().join("tests/fixtures/feeds/basic.jsonl"),
        dir.path().join("feed.jsonl"),
    )
    .unwrap();
    dir
}
