//! Every skill carries its own tests: `before`/`after` pairs that must be
//! rewritten exactly so, and `leave-alone` snippets that must not match.

use serde::Serialize;

use super::{Skill, SkillSet};

#[derive(Debug, Serialize)]
pub struct ExampleFailure {
    pub skill: String,
    pub kind: &'static str,
    pub index: usize,
    pub detail: String,
}

/// Run one skill's examples in isolation; an empty result means all passed.
pub fn check_skill(set: &SkillSet, skill: &Skill) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let alone = match set.only(skill.id()) {
        Ok(s) => s,
        Err(e) => {
            failures.push(ExampleFailure {
                skill: skill.id().into(),
                kind: "load",
                index: 0,
                detail: e.to_string(),
            });
            return failures;
        }
    };
    let fail = |kind, index, detail: String| ExampleFailure {
        skill: skill.id().into(),
        kind,
        index,
        detail,
    };
    if skill.spec.examples.len() < 2 {
        failures.push(fail(
            "coverage",
            0,
            "a skill needs at least 2 before/after examples".into(),
        ));
    }
    if skill.spec.leave_alone.len() < 2 {
        failures.push(fail(
            "coverage",
            0,
            "a skill needs at least 2 leave-alone cases".into(),
        ));
    }
    for (i, ex) in skill.spec.examples.iter().enumerate() {
        let out = alone.fix_source(skill.lang, &ex.before);
        if out.text.trim_end() != ex.after.trim_end() {
            let diff = expected_vs_actual(&ex.after, &out.text);
            let mut detail = format!("example {} was not rewritten as expected:\n{diff}", i + 1);
            if !out.notes.is_empty() {
                detail.push_str(&format!("notes: {}", out.notes.join("; ")));
            }
            failures.push(fail("example", i + 1, detail));
            continue;
        }
        let combined = set.scan_source(skill.lang, &ex.before);
        if !combined.findings.iter().any(|f| f.skill == skill.id()) {
            failures.push(fail(
                "combined",
                i + 1,
                format!(
                    "example {}: found alone but not by the combined query of all skills",
                    i + 1
                ),
            ));
        }
        // The result must be stable: a second fix changes nothing.
        let again = alone.fix_source(skill.lang, &out.text);
        if again.text != out.text {
            failures.push(fail(
                "idempotence",
                i + 1,
                format!("example {}: a second fix changed the result again", i + 1),
            ));
        }
    }
    for v in &skill.spec.variants {
        let variant = match set.variant(skill.id(), &v.name) {
            Ok(s) => s,
            Err(e) => {
                failures.push(fail("load", 0, format!("{e:#}")));
                continue;
            }
        };
        for (i, ex) in v.examples.iter().enumerate() {
            let out = variant.fix_source(skill.lang, &ex.before);
            if out.text.trim_end() != ex.after.trim_end() {
                let diff = expected_vs_actual(&ex.after, &out.text);
                failures.push(fail(
                    "variant",
                    i + 1,
                    format!(
                        "variant `{}` example {} was not rewritten as expected:\n{diff}",
                        v.name,
                        i + 1
                    ),
                ));
            } else if variant.fix_source(skill.lang, &out.text).text != out.text {
                failures.push(fail(
                    "idempotence",
                    i + 1,
                    format!(
                        "variant `{}` example {}: a second fix changed the result again",
                        v.name,
                        i + 1
                    ),
                ));
            }
        }
    }
    for (i, la) in skill.spec.leave_alone.iter().enumerate() {
        // Checked alone and inside the combined query of the whole set: the
        // two must agree (a predicate that binds to the wrong pattern once
        // queries are concatenated shows up here).
        let scan = alone.scan_source(skill.lang, &la.code);
        let combined = set.scan_source(skill.lang, &la.code);
        let in_combined = combined
            .findings
            .into_iter()
            .find(|f| f.skill == skill.id());
        if let Some(f) = scan.findings.first().or(in_combined.as_ref()) {
            failures.push(fail(
                "leave-alone",
                i + 1,
                format!(
                    "leave-alone case {} ({}) was matched at line {}: {}",
                    i + 1,
                    la.why,
                    f.start_line,
                    f.message
                ),
            ));
        }
    }
    failures
}

/// How a rewrite differs from the example's `after`, as a unified diff.
fn expected_vs_actual(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected.trim_end(), actual.trim_end())
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}

/// Run the examples of every skill (or of those whose id starts with `filter`).
pub fn check_all(set: &SkillSet, filter: Option<&str>) -> (usize, Vec<ExampleFailure>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for skill in set.skills() {
        if filter.is_some_and(|f| skill.id() != f && !skill.id().starts_with(&format!("{f}/"))) {
            continue;
        }
        checked += 1;
        failures.extend(check_skill(set, skill));
    }
    (checked, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rust skills built into the binary pass their own examples.
    #[test]
    fn builtin_rust_skills_pass_their_examples() {
        let set = SkillSet::builtin().expect("built-in skills load");
        let (checked, failures) = check_all(&set, Some("rust"));
        assert!(checked >= 7, "only {checked} Rust skills");
        let details: Vec<&str> = failures.iter().map(|f| f.detail.as_str()).collect();
        assert!(failures.is_empty(), "{}", details.join("\n"));
    }
    #[test]
    fn variants_rewrite_their_own_way_and_unknown_ones_are_named() {
        let set = SkillSet::builtin().expect("built-in skills load");
        let src = "#include <iostream>\nvoid f(int n) {\n    for (int i = 0; i < n; ++i) {\n        std::cout << i << std::endl;\n    }\n}\n";
        let main = set
            .only("cpp/endl-in-loop")
            .unwrap()
            .fix_source(crate::lang::Lang::Cpp, src);
        assert!(main.text.contains("<< '\\n';"), "{}", main.text);
        let variant = set
            .variant("cpp/endl-in-loop", "string-newline")
            .unwrap()
            .fix_source(crate::lang::Lang::Cpp, src);
        assert!(variant.text.contains("<< \"\\n\";"), "{}", variant.text);
        let err = set
            .variant("cpp/endl-in-loop", "nope")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("string-newline"), "{err}");
        let none = set
            .variant("cpp/find-single-char", "x")
            .err()
            .unwrap()
            .to_string();
        assert!(none.contains("it has none"), "{none}");
        // A variant whose example is wrong is reported.
        let mut broken = set.get("cpp/endl-in-loop").unwrap().source_text.clone();
        broken = broken.replacen("<< \"\\n\";", "<< \"\\r\\n\";", 1);
        let files = vec![
            ("x/rewrites/cpp/endl-in-loop.toml".to_string(), broken),
            (
                "x/rewrites/types.toml".to_string(),
                crate::skills::embedded::EMBEDDED
                    .iter()
                    .find(|(p, _)| *p == "types.toml")
                    .expect("types.toml is embedded")
                    .1
                    .to_string(),
            ),
        ];
        let set = SkillSet::from_files(files).unwrap();
        let failures = check_skill(&set, set.get("cpp/endl-in-loop").unwrap());
        assert!(failures.iter().any(|f| f.kind == "variant"), "{failures:?}");
    }
}
