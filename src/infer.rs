//! Zero-config: a `.wattson.toml` inferred from the project's own build
//! files, for a repository that has none. The App's onboarding pull request
//! proposes it and `wattson init` prints or writes it. Only files are read;
//! nothing of the project runs.
//!
//! - **Cargo** (`Cargo.toml`): a release build, `cargo test`, and `cargo
//!   bench` read as Criterion (a `criterion` dev-dependency) or libtest
//!   (`#[bench]` in `benches/`); else the release binary, counted under
//!   callgrind.
//! - **CMake** (`CMakeLists.txt`): configure and build in `build/`, `ctest`
//!   when tests are declared, Google Benchmark binaries (a target linking
//!   `benchmark`) read as such; else the first executable under callgrind.
//! - **Meson** (`meson.build`): `meson setup`/`compile`, `meson test`, its
//!   `benchmark()`s or the first executable.
//! - **Make** (`Makefile`): `make`, its `test`/`check` target, its `bench`
//!   target or the program it builds.
//!
//! Every line of the result carries a comment saying why it is there, so the
//! person merging it knows what to change.

use std::path::Path;

use serde::Serialize;

/// What was inferred.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema, PartialEq)]
pub struct Inferred {
    /// `Cargo`, `CMake`, `Meson` or `Make`.
    pub build_system: String,
    /// The `.wattson.toml` text, commented.
    pub config: String,
    /// True when a benchmark command was found or made up from a program;
    /// false when the person must still say what to measure.
    pub measures: bool,
}

/// The commands and why each was chosen.
struct Plan {
    system: &'static str,
    build: (String, String),
    test: Option<(String, String)>,
    bench: Option<Bench>,
}

struct Bench {
    /// `name = "command"` pairs.
    commands: Vec<(String, String)>,
    format: &'static str,
    why: String,
}

/// Infer a configuration for the project at `root`; `None` when no build
/// system wattson knows is there.
pub fn infer(root: &Path) -> Option<Inferred> {
    let read = |name: &str| std::fs::read_to_string(root.join(name)).ok();
    let plan = if let Some(manifest) = read("Cargo.toml") {
        cargo(root, &manifest)
    } else if let Some(lists) = read("CMakeLists.txt") {
        cmake(&lists)
    } else if let Some(build) = read("meson.build") {
        meson(&build)
    } else if let Some(make) = read("GNUmakefile")
        .or_else(|| read("Makefile"))
        .or_else(|| read("makefile"))
    {
        make_plan(&make)
    } else {
        return None;
    };
    Some(render(&plan))
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn render(p: &Plan) -> Inferred {
    let mut out = format!(
        "# wattson's configuration, inferred from this {} project. Every command runs\n\
         # from the repository's root, on a fresh checkout of the base and of the\n\
         # proposed change, which are then compared. Change what does not fit.\n\
         [evidence]\n",
        p.system
    );
    let line = |out: &mut String, why: &str, key: &str, value: &str| {
        for w in why.lines() {
            out.push_str(&format!("# {w}\n"));
        }
        out.push_str(&format!("{key} = {value}\n"));
    };
    line(&mut out, &p.build.1, "build", &toml_str(&p.build.0));
    if let Some((cmd, why)) = &p.test {
        line(&mut out, why, "test", &toml_str(cmd));
    } else {
        out.push_str("# No tests were found; a proposal is then only built and measured.\n# test = \"...\"\n");
    }
    match &p.bench {
        Some(b) => {
            let value = if b.commands.len() == 1 && b.commands[0].0 == "bench" {
                toml_str(&b.commands[0].1)
            } else {
                let parts: Vec<String> = b
                    .commands
                    .iter()
                    .map(|(n, c)| format!("{} = {}", toml_key(n), toml_str(c)))
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            };
            line(&mut out, &b.why, "bench", &value);
            let format_why = match b.format {
                "callgrind" => "Instructions counted by valgrind's callgrind: the same count on every\nrun, so a small improvement shows even on a busy machine.",
                "criterion" => "Criterion's own estimates (target/criterion/**/new/estimates.json).",
                "libtest" => "The `ns/iter` lines of `cargo bench` (libtest's #[bench]).",
                "google-benchmark" => "Google Benchmark's JSON report.",
                _ => "The command's wall-clock time.",
            };
            line(&mut out, format_why, "bench_format", &toml_str(b.format));
            if b.format == "callgrind" {
                line(
                    &mut out,
                    "Counts repeat exactly: a few runs are enough.",
                    "runs",
                    "3",
                );
                line(
                    &mut out,
                    "Nothing to warm up when instructions are counted.",
                    "warmup",
                    "0",
                );
            }
        }
        None => out.push_str(
            "# No benchmark was found: wattson proposes nothing it cannot measure.\n\
             # Say what to run, e.g. bench = \"./build/my-benchmark\".\n",
        ),
    }
    Inferred {
        build_system: p.system.to_string(),
        config: out,
        measures: p.bench.is_some(),
    }
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        toml_str(k)
    }
}

fn cargo(root: &Path, manifest: &str) -> Plan {
    let doc: toml::Table = manifest.parse().unwrap_or_default();
    let package = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    let has_dep = |name: &str| {
        ["dev-dependencies", "dependencies"].iter().any(|t| {
            doc.get(*t)
                .and_then(|d| d.as_table())
                .is_some_and(|d| d.contains_key(name))
        }) || doc
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.as_table())
            .is_some_and(|d| d.contains_key(name))
    };
    let workspace = doc.contains_key("workspace") && package.is_none();
    let build = (
        if workspace {
            "cargo build --release --workspace"
        } else {
            "cargo build --release"
        }
        .to_string(),
        "An optimised build, as the benchmarks measure it.".to_string(),
    );
    let test = Some((
        if workspace {
            "cargo test --release --workspace"
        } else {
            "cargo test --release"
        }
        .to_string(),
        "The project's own tests must pass on the proposed change.".to_string(),
    ));
    let libtest_benches = std::fs::read_dir(root.join("benches"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .any(|text| text.contains("#[bench]"));
    let bins = cargo_binaries(root, &doc, package);
    let bench = if has_dep("criterion") {
        Some(Bench {
            commands: vec![("bench".into(), "cargo bench".into())],
            format: "criterion",
            why: "The Criterion benchmarks in benches/ (criterion is a dev-dependency).".into(),
        })
    } else if libtest_benches {
        Some(Bench {
            commands: vec![("bench".into(), "cargo bench".into())],
            format: "libtest",
            why: "The #[bench] functions in benches/ (libtest; they need a nightly toolchain)."
                .into(),
        })
    } else {
        bins.first().map(|bin| Bench {
            commands: vec![(bin.clone(), format!("./target/release/{bin}"))],
            format: "callgrind",
            why: format!(
                "No benchmark harness was found, so the program itself is measured: `{bin}`,\nas the release build makes it, run with no arguments. Give it real work to do."
            ),
        })
    };
    Plan {
        system: "Cargo",
        build,
        test,
        bench,
    }
}

/// The binaries a package builds: `[[bin]]` names, or the package's name
/// when `src/main.rs` exists.
fn cargo_binaries(root: &Path, doc: &toml::Table, package: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = doc
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .collect();
    if let Some(name) = package {
        if root.join("src/main.rs").is_file() && !out.iter().any(|b| b == name) {
            out.insert(0, name.to_string());
        }
    }
    out
}

/// The first argument of every `command(` call in a CMake or Meson file.
fn calls<'a>(text: &'a str, command: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let needle = format!("{command}(");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle) {
        let start = from + i + needle.len();
        let preceded_ok = from + i == 0
            || !lower.as_bytes()[from + i - 1].is_ascii_alphanumeric()
                && lower.as_bytes()[from + i - 1] != b'_';
        from = start;
        if !preceded_ok {
            continue;
        }
        let arg = text[start..]
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == ')' || c == ',')
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '\'' || c == '"');
        if !arg.is_empty() && !arg.starts_with('$') {
            out.push(arg);
        }
    }
    out
}

fn cmake(lists: &str) -> Plan {
    let lower = lists.to_ascii_lowercase();
    let build = (
        "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j 2".to_string(),
        "Configure an optimised build in build/ and compile it.".to_string(),
    );
    let test = (lower.contains("enable_testing(") || lower.contains("add_test(")).then(|| {
        (
            "ctest --test-dir build --output-on-failure".to_string(),
            "The tests CMakeLists.txt declares (add_test), run by ctest.".to_string(),
        )
    });
    let executables = calls(lists, "add_executable");
    let google = lower.contains("benchmark::benchmark") || lower.contains("find_package(benchmark");
    let bench_targets: Vec<&str> = executables
        .iter()
        .copied()
        .filter(|e| e.to_ascii_lowercase().contains("bench"))
        .collect();
    let bench = if google && !bench_targets.is_empty() {
        Some(Bench {
            commands: bench_targets
                .iter()
                .map(|t| {
                    (
                        t.to_string(),
                        format!("./build/{t} --benchmark_format=json"),
                    )
                })
                .collect(),
            format: "google-benchmark",
            why: "The Google Benchmark programs CMakeLists.txt builds.".into(),
        })
    } else {
        let program = bench_targets.first().or_else(|| {
            executables
                .iter()
                .find(|e| !e.to_ascii_lowercase().contains("test"))
        });
        program.map(|p| Bench {
            commands: vec![(p.to_string(), format!("./build/{p}"))],
            format: "callgrind",
            why: format!("The program `{p}` (add_executable), run with no arguments. Give it real work to do."),
        })
    };
    Plan {
        system: "CMake",
        build,
        test,
        bench,
    }
}

fn meson(build_file: &str) -> Plan {
    let build = (
        "meson setup build --buildtype=release && meson compile -C build".to_string(),
        "Set up an optimised build in build/ and compile it.".to_string(),
    );
    let lower = build_file.to_ascii_lowercase();
    let test = lower.contains("test(").then(|| {
        (
            "meson test -C build".to_string(),
            "The tests meson.build declares (test()).".to_string(),
        )
    });
    let has_benchmarks = !calls(build_file, "benchmark").is_empty();
    let executables = calls(build_file, "executable");
    let bench = if has_benchmarks {
        Some(Bench {
            commands: vec![("bench".into(), "meson test -C build --benchmark".into())],
            format: "wall",
            why: "The benchmarks meson.build declares (benchmark()), timed as a whole.".into(),
        })
    } else {
        executables.iter().find(|e| !e.to_ascii_lowercase().contains("test")).map(|p| Bench {
            commands: vec![(p.to_string(), format!("./build/{p}"))],
            format: "callgrind",
            why: format!("The program `{p}` (executable()), run with no arguments. Give it real work to do."),
        })
    };
    Plan {
        system: "Meson",
        build,
        test,
        bench,
    }
}

/// The targets a Makefile defines (`name:` at the start of a line).
fn make_targets(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with('\t') && !l.starts_with('#'))
        .filter_map(|l| {
            let (target, rest) = l.split_once(':')?;
            (!rest.starts_with('=')).then_some(target.trim())
        })
        .filter(|t| !t.is_empty() && !t.contains(['$', '%', ' ', '=']) && !t.starts_with('.'))
        .collect()
}

fn make_plan(text: &str) -> Plan {
    let targets = make_targets(text);
    let build = (
        "make -j2".to_string(),
        "The Makefile's default target.".to_string(),
    );
    let test = ["test", "check"]
        .iter()
        .find(|t| targets.contains(t))
        .map(|t| (format!("make {t}"), format!("The Makefile's `{t}` target.")));
    let bench = if targets.contains(&"bench") || targets.contains(&"benchmark") {
        let t = if targets.contains(&"bench") {
            "bench"
        } else {
            "benchmark"
        };
        Some(Bench {
            commands: vec![("bench".into(), format!("make {t}"))],
            format: "wall",
            why: format!("The Makefile's `{t}` target, timed as a whole."),
        })
    } else {
        // The program the default rule builds: the first target that is
        // not a phony name and has no extension.
        let phony = [
            "all",
            "clean",
            "install",
            "test",
            "check",
            "distclean",
            "uninstall",
            "dist",
        ];
        targets
            .iter()
            .find(|t| !phony.contains(t) && !t.contains('.') && !t.contains('/'))
            .map(|p| Bench {
                commands: vec![(p.to_string(), format!("./{p}"))],
                format: "callgrind",
                why: format!("The program `{p}` the Makefile builds, run with no arguments. Give it real work to do."),
            })
    };
    Plan {
        system: "Make",
        build,
        test,
        bench,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    /// The inferred text is a configuration wattson reads, every line but
    /// the keys commented.
    fn check(dir: &Path) -> (Inferred, Config) {
        let inferred = infer(dir).expect("a build system");
        std::fs::write(dir.join(".wattson.toml"), &inferred.config).unwrap();
        let config = Config::discover(dir).unwrap_or_else(|e| panic!("{e:#}\n{}", inferred.config));
        let lines: Vec<&str> = inferred.config.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.contains(" = ") && !l.starts_with('#') {
                assert!(
                    i > 0 && lines[i - 1].starts_with('#'),
                    "`{l}` is not explained:\n{}",
                    inferred.config
                );
            }
        }
        (inferred, config)
    }

    #[test]
    fn cargo_binaries_are_counted_and_criterion_is_read() {
        let bin = project(&[
            (
                "Cargo.toml",
                "[package]\nname = \"tally\"\nversion = \"0.1.0\"\n",
            ),
            ("src/main.rs", "fn main() {}\n"),
        ]);
        let (inf, cfg) = check(bin.path());
        assert_eq!(inf.build_system, "Cargo");
        assert_eq!(cfg.evidence.build.as_deref(), Some("cargo build --release"));
        assert_eq!(cfg.evidence.bench["tally"], "./target/release/tally");
        assert_eq!(
            format!("{:?}", cfg.evidence.bench_format).to_lowercase(),
            "callgrind"
        );

        let crit = project(&[
            ("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n[dev-dependencies]\ncriterion = \"0.5\"\n"),
            ("src/lib.rs", ""),
        ]);
        let (_, cfg) = check(crit.path());
        assert_eq!(cfg.evidence.bench["bench"], "cargo bench");
        assert_eq!(
            format!("{:?}", cfg.evidence.bench_format).to_lowercase(),
            "criterion"
        );

        let libtest = project(&[
            (
                "Cargo.toml",
                "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
            ),
            ("src/lib.rs", ""),
            (
                "benches/b.rs",
                "#![feature(test)]\n#[bench]\nfn b(b: &mut test::Bencher) {}\n",
            ),
        ]);
        let (_, cfg) = check(libtest.path());
        assert_eq!(
            format!("{:?}", cfg.evidence.bench_format).to_lowercase(),
            "libtest"
        );

        let lib = project(&[
            (
                "Cargo.toml",
                "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
            ),
            ("src/lib.rs", ""),
        ]);
        let (inf, cfg) = check(lib.path());
        assert!(
            !inf.measures && cfg.evidence.bench.is_empty(),
            "{}",
            inf.config
        );
    }

    #[test]
    fn cmake_projects_build_in_build_and_google_benchmark_is_read() {
        let plain = project(&[(
            "CMakeLists.txt",
            "cmake_minimum_required(VERSION 3.13)\nproject(demo CXX)\nadd_executable(demo main.cpp)\nenable_testing()\nadd_test(NAME runs COMMAND demo)\n",
        )]);
        let (inf, cfg) = check(plain.path());
        assert_eq!(inf.build_system, "CMake");
        assert!(cfg
            .evidence
            .build
            .as_deref()
            .unwrap()
            .starts_with("cmake -S . -B build"));
        assert_eq!(
            cfg.evidence.test.as_deref(),
            Some("ctest --test-dir build --output-on-failure")
        );
        assert_eq!(cfg.evidence.bench["demo"], "./build/demo");

        let google = project(&[(
            "CMakeLists.txt",
            "project(p)\nfind_package(benchmark REQUIRED)\nadd_executable(lib_tests t.cpp)\nadd_executable(parse_bench b.cpp)\ntarget_link_libraries(parse_bench benchmark::benchmark)\n",
        )]);
        let (_, cfg) = check(google.path());
        assert_eq!(
            cfg.evidence.bench["parse_bench"],
            "./build/parse_bench --benchmark_format=json"
        );
        assert!(cfg.evidence.test.is_none());
    }

    #[test]
    fn meson_and_make_projects_are_understood() {
        let m = project(&[(
            "meson.build",
            "project('p', 'cpp')\nexe = executable('tool', 'main.cpp')\ntest('basic', exe)\n",
        )]);
        let (inf, cfg) = check(m.path());
        assert_eq!(inf.build_system, "Meson");
        assert_eq!(cfg.evidence.test.as_deref(), Some("meson test -C build"));
        assert_eq!(cfg.evidence.bench["tool"], "./build/tool");

        let mk = project(&[("Makefile", "CXX ?= g++\nall: prog\n\nprog: main.o\n\t$(CXX) -o prog main.o\n\ncheck: prog\n\t./prog --self-test\n\n.PHONY: all check\n")]);
        let (inf, cfg) = check(mk.path());
        assert_eq!(inf.build_system, "Make");
        assert_eq!(cfg.evidence.test.as_deref(), Some("make check"));
        assert_eq!(cfg.evidence.bench["prog"], "./prog");

        let bench = project(&[("Makefile", "all:\n\tcc -o x x.c\nbench: all\n\t./x 1000\n")]);
        let (_, cfg) = check(bench.path());
        assert_eq!(cfg.evidence.bench["bench"], "make bench");

        assert!(infer(project(&[("README", "")]).path()).is_none());
    }
}
