//! The skills as use cases: loading (and caching) a selection, listing,
//! explaining.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use schemars::JsonSchema;
use serde::Serialize;

use super::{Error, Result};
use crate::lang::Lang;
use crate::skills::examples::{self, ExampleFailure};
use crate::skills::spec::{Example, LeaveAlone};
use crate::skills::{Skill, SkillSet, Tier, UnknownSkill};

/// Where skills come from (the built-in `rewrites/` or `--skills-dir`), and
/// the selections already built: loading and compiling the queries is the
/// bulk of a small call's cost, so a long-lived front end (the MCP server)
/// builds each selection once.
pub struct Skills {
    dir: Option<PathBuf>,
    sets: Mutex<HashMap<Vec<String>, Arc<SkillSet>>>,
}

impl Skills {
    pub fn new(dir: Option<PathBuf>) -> Skills {
        Skills {
            dir,
            sets: Mutex::new(HashMap::new()),
        }
    }

    /// The skills selected by `ids` (ids such as `cpp/endl-in-loop`, or
    /// languages such as `rust`; all of them when empty).
    pub fn select(&self, ids: &[String]) -> Result<Arc<SkillSet>> {
        let mut key: Vec<String> = ids.to_vec();
        key.sort();
        key.dedup();
        // A poisoned lock only means another call panicked mid-insert; the
        // map itself is still a valid cache.
        let cached = self
            .sets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(set) = cached {
            return Ok(set);
        }
        // Only the selected skills' queries are compiled.
        let set = match &self.dir {
            Some(dir) => SkillSet::from_dir(dir)?
                .select(&key)
                .map_err(|e| Error::invalid(format!("{e:#}")))?,
            None => SkillSet::builtin_selected(&key).map_err(|e| {
                if e.is::<UnknownSkill>() {
                    Error::invalid(format!("{e:#}"))
                } else {
                    Error::from(e.context("loading the built-in skills"))
                }
            })?,
        };
        let set = Arc::new(set);
        self.sets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, set.clone());
        Ok(set)
    }
}

/// One skill, as `skills list` shows it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillSummary {
    pub id: String,
    #[schemars(with = "String")]
    pub language: Lang,
    /// `auto`: the guards prove the rewrite; `review`: it needs judgement.
    #[schemars(with = "String")]
    pub tier: Tier,
    /// Run only when named or with `--skill all`: the saving is at most a
    /// move or a few instructions.
    pub pedantic: bool,
    pub title: String,
    /// Why the rewrite is faster.
    pub why: String,
}

/// `skills list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillList {
    pub skills: Vec<SkillSummary>,
}

impl SkillList {
    /// One skill a line: id, tier (and `pedantic`), title.
    pub fn text(&self) -> String {
        self.skills
            .iter()
            .map(|s| {
                let tier = format!("{:?}", s.tier).to_lowercase();
                let group = if s.pedantic { "pedantic" } else { "" };
                format!("{:<40} {tier:<7} {group:<9}{}\n", s.id, s.title)
            })
            .collect()
    }
}

/// Listing, explaining and testing skills sees every skill unless told
/// otherwise; only scans leave the pedantic ones out by default.
fn or_all(ids: &[String]) -> Vec<String> {
    if ids.is_empty() {
        vec![crate::skills::ALL.to_string()]
    } else {
        ids.to_vec()
    }
}

/// The skills selected by `ids`.
pub fn list_skills(skills: &Skills, ids: &[String]) -> Result<SkillList> {
    let set = skills.select(or_all(ids).as_slice())?;
    Ok(SkillList {
        skills: set.skills().iter().map(SkillSummary::of).collect(),
    })
}

impl SkillSummary {
    fn of(s: &Skill) -> SkillSummary {
        SkillSummary {
            id: s.id().to_string(),
            language: s.lang,
            tier: s.spec.tier,
            pedantic: s.spec.pedantic,
            title: s.spec.title.clone(),
            why: s.spec.why.trim().to_string(),
        }
    }
}

/// Another form of a skill's rewrite a reviewer may pick.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VariantSummary {
    pub name: String,
    pub description: String,
    pub edit: Vec<String>,
}

/// `skills explain ID`: everything a reviewer needs to trust a skill.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillExplanation {
    /// Id, language, tier, title and why, as `skills list` shows them.
    #[serde(flatten)]
    pub skill: SkillSummary,
    pub message: String,
    /// The tree-sitter query.
    pub query: String,
    pub guards: Vec<String>,
    pub edit: Vec<String>,
    pub enables: Vec<String>,
    /// `{before, after}`: code the skill rewrites exactly so.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub examples: Vec<Example>,
    /// `{code, why}`: code it must not touch, and why.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub leave_alone: Vec<LeaveAlone>,
    pub variants: Vec<VariantSummary>,
    /// The MCP resource holding the skill's file.
    pub resource: String,
}

/// The skill `id`, explained.
pub fn explain_skill(skills: &Skills, id: &str) -> Result<SkillExplanation> {
    let set = skills.select(&[crate::skills::ALL.to_string()])?;
    let skill: &Skill = set.get(id).ok_or_else(|| {
        let known: Vec<&str> = set.skills().iter().map(|s| s.id()).collect();
        Error::invalid(format!(
            "no skill `{id}` (see `wattson skills list`; known: {})",
            known.join(", ")
        ))
    })?;
    let s = &skill.spec;
    Ok(SkillExplanation {
        skill: SkillSummary::of(skill),
        message: s.message.clone(),
        query: s.query.trim_end().to_string(),
        guards: s.guards.clone(),
        edit: s.edit.clone(),
        enables: s.enables.clone(),
        examples: s.examples.clone(),
        leave_alone: s.leave_alone.clone(),
        variants: s
            .variants
            .iter()
            .map(|v| VariantSummary {
                name: v.name.clone(),
                description: v.description.trim().to_string(),
                edit: v.edit.clone(),
            })
            .collect(),
        resource: format!("wattson://skills/{}", s.id),
    })
}

impl SkillExplanation {
    /// Why it is faster, query, guards, edit, examples and variants, for a person.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} — {}\ntier: {:?}\n\nWhy it is faster:\n  {}\n\nQuery:\n{}\n",
            self.skill.id, self.skill.title, self.skill.tier, self.skill.why, self.query
        );
        out.push_str("\nGuards:\n");
        for g in &self.guards {
            out.push_str(&format!("  {g}\n"));
        }
        out.push_str("\nEdit:\n");
        for e in &self.edit {
            out.push_str(&format!("  {e}\n"));
        }
        for (i, ex) in self.examples.iter().enumerate() {
            out.push_str(&format!(
                "\nExample {}:\n--- before\n{}\n--- after\n{}\n",
                i + 1,
                ex.before.trim_end(),
                ex.after.trim_end()
            ));
        }
        for (i, la) in self.leave_alone.iter().enumerate() {
            out.push_str(&format!(
                "\nLeave alone {} ({}):\n{}\n",
                i + 1,
                la.why,
                la.code.trim_end()
            ));
        }
        for v in &self.variants {
            out.push_str(&format!(
                "\nVariant `{}` (`@wattson refine variant {}`): {}\nEdit:\n",
                v.name, v.name, v.description
            ));
            for e in &v.edit {
                out.push_str(&format!("  {e}\n"));
            }
        }
        out
    }
}

/// `skills test`: every selected skill's own examples, run.
#[derive(Debug)]
pub struct SkillTests {
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<ExampleFailure>,
}

/// Run the examples of the skills selected by `ids`, or of those whose id is
/// or starts with `id`.
pub fn test_skills(skills: &Skills, ids: &[String], id: Option<&str>) -> Result<SkillTests> {
    let set = skills.select(or_all(ids).as_slice())?;
    let (checked, failures) = examples::check_all(&set, id);
    if checked == 0 {
        return Err(Error::invalid(format!(
            "no skill matches `{}`",
            id.unwrap_or_default()
        )));
    }
    let failed: std::collections::BTreeSet<&str> =
        failures.iter().map(|f| f.skill.as_str()).collect();
    Ok(SkillTests {
        passed: checked - failed.len(),
        failed: failed.len(),
        failures,
    })
}
