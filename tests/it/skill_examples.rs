//! `cargo test` runs every skill's own examples, like `wattson skills test`.

use wattson::lang::Lang;
use wattson::skills::{examples, SkillSet};

#[test]
fn every_builtin_skill_passes_its_examples() {
    let set = SkillSet::builtin().expect("built-in skills load");
    let (checked, failures) = examples::check_all(&set, None);
    let report: Vec<String> = failures
        .iter()
        .map(|f| format!("{} [{}]: {}", f.skill, f.kind, f.detail))
        .collect();
    assert!(
        failures.is_empty(),
        "{} skill example failure(s):\n{}",
        failures.len(),
        report.join("\n\n")
    );
    assert_eq!(checked, set.skills().len());
}

#[test]
fn the_catalogue_covers_both_languages() {
    let set = SkillSet::builtin().unwrap();
    let count = |lang| set.skills().iter().filter(|s| s.lang == lang).count();
    assert!(count(Lang::Cpp) >= 9, "C++ skills: {}", count(Lang::Cpp));
    assert!(count(Lang::Rust) >= 7, "Rust skills: {}", count(Lang::Rust));
}
