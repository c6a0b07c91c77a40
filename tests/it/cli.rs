//! The command line, end to end: outputs, safety with bad input, exit codes.

use std::fs;

use crate::common::{repo_root, run, stderr, stdout, wattson};
use serde_json::Value;

const CPP: &str = r#"#include <string>
std::size_t slash(const std::string& path) { return path.rfind("/"); }
"#;

fn temp_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_fixes() {
    let dir = temp_with(&[("src/a.cpp", CPP.as_bytes())]);
    let out = run(&["scan", dir.path().to_str().unwrap(), "--format", "sarif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/schemas/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF does not validate: {errors:#?}");

    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "cpp/find-single-char");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/a.cpp"
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let rep = &r["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(rep["insertedContent"]["text"], "'/'");
    let offset = rep["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize;
    let len = rep["deletedRegion"]["byteLength"].as_u64().unwrap() as usize;
    assert_eq!(&CPP[offset..offset + len], "\"/\"");
    // Every rule referenced is described in the driver.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|rule| rule["id"] == "cpp/find-single-char"
        && rule["fullDescription"]["text"].as_str().unwrap().len() > 40));
}

#[test]
fn json_lists_findings_with_function_and_lines() {
    let dir = temp_with(&[("a.cpp", CPP.as_bytes())]);
    let out = run(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["path"], "a.cpp");
    assert_eq!(f["function"], "slash");
    assert_eq!(f["start_line"], 2);
    assert_eq!(v["stats"]["files"], 1);
}

#[test]
fn fix_prints_a_diff_and_writes_only_when_asked() {
    let dir = temp_with(&[("a.cpp", CPP.as_bytes())]);
    let path = dir.path().to_str().unwrap();
    let out = run(&["fix", path]);
    assert!(out.status.success());
    let diff = stdout(&out);
    assert!(
        diff.contains("--- a/a.cpp")
            && diff.contains(
                "+std::size_t slash(const std::string& path) { return path.rfind('/'); }"
            ),
        "{diff}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.cpp")).unwrap(),
        CPP,
        "no --write, no change"
    );

    let out = run(&["fix", path, "--write"]);
    assert!(out.status.success());
    let fixed = fs::read_to_string(dir.path().join("a.cpp")).unwrap();
    assert!(fixed.contains("rfind('/')"));
    // A second run has nothing left to do.
    let again = run(&["fix", path]);
    assert_eq!(stdout(&again), "");
}

#[test]
fn bad_files_are_skipped_with_a_reason_and_never_touched() {
    let mut latin1 = b"// caf\xe9\n".to_vec();
    latin1.extend_from_slice(CPP.as_bytes());
    let huge = format!("{}{}", CPP, "// padding\n".repeat(400_000));
    let dir = temp_with(&[
        ("latin1.cpp", &latin1),
        ("huge.cpp", huge.as_bytes()),
        ("ok.cpp", CPP.as_bytes()),
    ]);
    let path = dir.path().to_str().unwrap();
    let out = run(&["fix", path, "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("latin1.cpp: not valid UTF-8"), "{err}");
    assert!(err.contains("huge.cpp: too large"), "{err}");
    assert_eq!(fs::read(dir.path().join("latin1.cpp")).unwrap(), latin1);
    assert_eq!(
        fs::read_to_string(dir.path().join("huge.cpp")).unwrap(),
        huge
    );
    assert!(fs::read_to_string(dir.path().join("ok.cpp"))
        .unwrap()
        .contains("rfind('/')"));
}

#[test]
fn code_that_does_not_parse_is_skipped_region_by_region() {
    let src = format!(
        "{CPP}\nstd::size_t broken(const std::string& path) {{ return path.rfind(\"/\") + ; }}\n"
    );
    let dir = temp_with(&[("a.cpp", src.as_bytes())]);
    let out = run(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(
        findings.len(),
        1,
        "only the function that parses: {findings:#?}"
    );
    assert_eq!(findings[0]["start_line"], 2);
    assert!(stderr(&out).contains("do not parse"), "{}", stderr(&out));
}

#[test]
fn gitignored_files_are_not_scanned() {
    let dir = temp_with(&[
        (".gitignore", b"gen/\n"),
        ("gen/a.cpp", CPP.as_bytes()),
        ("src/b.cpp", CPP.as_bytes()),
    ]);
    // `ignore` honours .gitignore inside a git repository.
    fs::create_dir(dir.path().join(".git")).unwrap();
    let out = run(&["scan", dir.path().to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.contains("src/b.cpp:2:"), "{text}");
    assert!(!text.contains("gen/a.cpp"), "{text}");
}

#[test]
fn exit_codes_are_as_documented() {
    let dir = temp_with(&[("a.cpp", CPP.as_bytes())]);
    let path = dir.path().to_str().unwrap();
    assert_eq!(run(&["scan", path]).status.code(), Some(0));
    assert_eq!(
        run(&["scan", path, "--fail-on-findings"]).status.code(),
        Some(1)
    );
    let missing = run(&["scan", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no such file or directory"));
    let unknown = run(&["scan", path, "--skill", "cpp/nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no skill `cpp/nope`"));
}

#[test]
fn skills_list_puts_the_id_first() {
    let out = run(&["skills", "list"]);
    assert!(out.status.success());
    for line in stdout(&out).lines() {
        let id = line.split_whitespace().next().unwrap();
        let (lang, name) = id.split_once('/').unwrap();
        assert!(matches!(lang, "cpp" | "rust") && !name.is_empty(), "{line}");
    }
}

#[test]
fn a_broken_skill_file_is_a_clear_error_naming_it() {
    let dir = temp_with(&[
        ("cpp/bad.toml", b"id = \"cpp/bad\"\ntitle = \"t\"\ntier = \"auto\"\nwhy = \"w\"\nmessage = \"m\"\nquery = \"(call_expression) @c\\n(no_such_node)\"\nedit = [\"replace(@c, \\\"x\\\")\"]\n"),
        ("types.toml", b"[cpp]\n"),
    ]);
    let out = wattson()
        .args(["skills", "list", "--skills-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml") && err.contains("query error at line 2, column 2"),
        "{err}"
    );

    let dir = temp_with(&[
        ("cpp/typo.toml", b"id = \"cpp/typo\"\ntitle = \"t\"\ntier = \"auto\"\nwhy = \"w\"\nmessage = \"m\"\nquery = \"(call_expression) @c\"\nguards = [\"no-such-guard(@c)\"]\nedit = [\"replace(@c, \\\"x\\\")\"]\n"),
        ("types.toml", b"[cpp]\n"),
    ]);
    let out = wattson()
        .args(["skills", "list", "--skills-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("unknown guard `no-such-guard`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn init_infers_a_configuration_prints_or_writes_it_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("CMakeLists.txt"),
        "project(p CXX)\nadd_executable(tool main.cpp)\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let out = run(&["init", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("build = \"cmake -S . -B build"),
        "{printed}"
    );
    assert!(
        !dir.path().join(".wattson.toml").exists(),
        "printing writes nothing"
    );

    let out = run(&["init", path, "--write", "--workflow", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["build_system"], "CMake");
    assert_eq!(
        v["written"],
        serde_json::json!([".wattson.toml", ".github/workflows/wattson.yml"])
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".wattson.toml")).unwrap(),
        printed
    );
    let out = run(&["scan", path, "--format", "json"]);
    assert!(
        out.status.success(),
        "the written file is a configuration wattson reads: {}",
        stderr(&out)
    );
    let out = run(&["init", path, "--write"]);
    assert_eq!(out.status.code(), Some(2), "never over an existing file");
    assert!(stderr(&out).contains("does not overwrite"));

    let empty = tempfile::tempdir().unwrap();
    let out = run(&["init", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no build file wattson knows"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn init_reads_criterion_and_make_targets_writes_the_apps_workflow_and_says_when_nothing_measures() {
    // Cargo with Criterion: `cargo bench`, read as Criterion's estimates.
    let cargo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(cargo.path().join("benches")).unwrap();
    std::fs::write(
        cargo.path().join("Cargo.toml"),
        "[package]\nname = \"cr\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dev-dependencies]\ncriterion = \"0.5\"\n\n[[bench]]\nname = \"speed\"\nharness = false\n",
    )
    .unwrap();
    std::fs::write(cargo.path().join("benches/speed.rs"), "fn main() {}\n").unwrap();
    let path = cargo.path().to_str().unwrap();
    let out = run(&["init", path, "--write", "--workflow"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote .wattson.toml (Cargo project)"),
        "{}",
        stderr(&out)
    );
    let config = std::fs::read_to_string(cargo.path().join(".wattson.toml")).unwrap();
    for line in [
        "build = \"cargo build --release\"",
        "test = \"cargo test --release\"",
        "bench = \"cargo bench\"",
        "bench_format = \"criterion\"",
    ] {
        assert!(config.contains(line), "{line}: {config}");
    }
    // Every setting is explained by the comment above it.
    let lines: Vec<&str> = config.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(" = ") && !l.starts_with('#') {
            assert!(lines[i - 1].starts_with('#'), "{l} unexplained: {config}");
        }
    }
    // The workflow is the one the App dispatches, as onboarding adds it.
    assert_eq!(
        std::fs::read_to_string(cargo.path().join(".github/workflows/wattson.yml")).unwrap(),
        std::fs::read_to_string(repo_root().join("github/wattson-workflow.yml")).unwrap()
    );

    // Make: its `test` and `bench` targets.
    let make = tempfile::tempdir().unwrap();
    std::fs::write(
        make.path().join("Makefile"),
        "prog: main.c\n\tcc -o prog main.c\ntest: prog\n\t./prog\nbench: prog\n\t./prog\n",
    )
    .unwrap();
    let out = run(&["init", make.path().to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (v["build_system"].as_str(), v["measures"].as_bool()),
        (Some("Make"), Some(true))
    );
    let config = v["config"].as_str().unwrap();
    for line in [
        "build = \"make -j2\"",
        "test = \"make test\"",
        "bench = \"make bench\"",
    ] {
        assert!(config.contains(line), "{line}: {config}");
    }

    // Nothing to measure: the file says so, and so does wattson.
    let bare = tempfile::tempdir().unwrap();
    std::fs::write(
        bare.path().join("Makefile"),
        "all:\n\techo hi\nclean:\n\trm -f x\n",
    )
    .unwrap();
    let out = run(&["init", bare.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("# No benchmark was found"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("no benchmark was found: set `bench`"),
        "{}",
        stderr(&out)
    );
}
