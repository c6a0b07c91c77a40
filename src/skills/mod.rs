//! Skills: rewrite expertise loaded from `rewrites/<lang>/<name>.toml`.
//!
//! A skill is a tree-sitter query, a list of named guards, and edit
//! operations, plus its own examples. All skills of one language are compiled
//! into a single combined query, so scanning a file is one parse and one
//! query pass however many skills there are.

pub mod call;
pub mod context;
mod dispatch;
pub mod edit;
pub mod engine;
pub mod examples;
pub mod guards;
mod prefilter;
pub mod sema;
pub mod spec;
pub mod syntax;
pub mod types;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use tree_sitter::Query;

pub use edit::TextEdit;
pub use engine::{FileScan, Finding};
pub use spec::{SkillSpec, Tier};
pub use types::TypeFamilies;

use crate::lang::Lang;
use call::{parse_call, Call};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rewrites.rs"));
}

/// The selector for every skill, the pedantic ones included (`--skill all`).
pub const ALL: &str = "all";

/// A selection named a skill no file defines: the caller's mistake, not a
/// broken skill set (front ends report it as a bad argument).
#[derive(Debug, thiserror::Error)]
#[error("no skill `{id}` (known: {ALL}, {})", known.join(", "))]
pub struct UnknownSkill {
    pub id: String,
    pub known: Vec<String>,
}

/// The skills `ids` selects (the rules are on [`SkillSet::builtin_selected`]).
fn selection(skills: Vec<Skill>, ids: &[String]) -> Result<Vec<Skill>> {
    if ids.iter().any(|id| id == ALL) {
        return Ok(skills);
    }
    let under = |s: &Skill, id: &str| s.id().starts_with(&format!("{id}/"));
    for id in ids {
        if !skills.iter().any(|s| s.id() == id || under(s, id)) {
            return Err(UnknownSkill {
                id: id.clone(),
                known: skills.iter().map(|s| s.id().to_string()).collect(),
            }
            .into());
        }
    }
    Ok(skills
        .into_iter()
        .filter(|s| {
            if ids.is_empty() {
                return !s.spec.pedantic;
            }
            ids.iter()
                .any(|id| s.id() == id || (under(s, id) && !s.spec.pedantic))
        })
        .collect())
}

/// A loaded, validated skill.
pub struct Skill {
    pub spec: SkillSpec,
    pub lang: Lang,
    /// Where it was loaded from (`rewrites/cpp/x.toml` or `<embedded>/...`).
    pub origin: String,
    pub guards: Vec<(Call, &'static guards::GuardDef)>,
    pub edits: Vec<Call>,
    /// The variants' edits, by name, in the file's order.
    pub variants: Vec<(String, Vec<Call>)>,
    /// The skill file's text, kept to rebuild single-skill sets.
    pub source_text: String,
}

impl Skill {
    pub fn id(&self) -> &str {
        &self.spec.id
    }
}

/// The skills of one language, compiled into one query.
pub(crate) struct Combined {
    lang: Lang,
    query: Query,
    /// Which nodes can start a pattern (see `dispatch`).
    dispatch: dispatch::Dispatch,
    /// For each pattern of the combined query, the index of its skill.
    pattern_skill: Vec<usize>,
}

/// A set of skills ready to scan with.
pub struct SkillSet {
    skills: Vec<Skill>,
    combined: HashMap<Lang, Combined>,
    pub types: TypeFamilies,
}

impl SkillSet {
    /// The skills built into the binary (from this repository's `rewrites/`).
    pub fn builtin() -> Result<SkillSet> {
        Self::builtin_selected(&[ALL.to_string()])
    }

    /// Skills from a directory laid out like `rewrites/`.
    pub fn from_dir(dir: &Path) -> Result<SkillSet> {
        let mut paths = Vec::new();
        collect_toml(dir, &mut paths)
            .with_context(|| format!("reading skills from {}", dir.display()))?;
        if paths.is_empty() {
            bail!("no skill files (*.toml) under {}", dir.display());
        }
        let mut files = Vec::new();
        for p in paths {
            let text =
                fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            files.push((p.display().to_string(), text));
        }
        Self::from_files(files)
    }

    /// Build from `(origin, text)` pairs; `types.toml` holds the type families.
    pub fn from_files(files: Vec<(String, String)>) -> Result<SkillSet> {
        Self::from_files_selected(files, &[ALL.to_string()])
    }

    /// The built-in skills `ids` selects, with only their queries compiled:
    /// none selects the default skills (every one but the pedantic ones);
    /// [`ALL`] selects every skill; an id selects that skill, pedantic or
    /// not; a prefix (`cpp`, `rust`) selects the default skills under it.
    pub fn builtin_selected(ids: &[String]) -> Result<SkillSet> {
        let files: Vec<(String, String)> = embedded::EMBEDDED
            .iter()
            .map(|(p, s)| (format!("<builtin>/rewrites/{p}"), s.to_string()))
            .collect();
        Self::from_files_selected(files, ids)
    }

    /// Like [`SkillSet::from_files`], keeping the skills `ids` selects before
    /// anything is compiled (compiling the combined queries is most of
    /// start-up).
    pub fn from_files_selected(files: Vec<(String, String)>, ids: &[String]) -> Result<SkillSet> {
        let mut types = TypeFamilies::default();
        let mut skills = Vec::new();
        for (origin, text) in &files {
            if origin.ends_with("/types.toml") || origin == "types.toml" {
                types = TypeFamilies::parse(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
            }
        }
        // Compiling a query against the large C++ grammar takes milliseconds:
        // load the skills in parallel.
        use rayon::prelude::*;
        let loaded: Vec<Result<Skill>> = files
            .par_iter()
            .filter(|(origin, _)| !(origin.ends_with("/types.toml") || origin == "types.toml"))
            .map(|(origin, text)| load_skill(origin, text, &types))
            .collect();
        for skill in loaded {
            skills.push(skill?);
        }
        let mut seen = BTreeSet::new();
        for s in &skills {
            if !seen.insert(s.id().to_string()) {
                bail!(
                    "two skills have the id `{}` (second one in {})",
                    s.id(),
                    s.origin
                );
            }
        }
        skills.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        Self::assemble(selection(skills, ids)?, types)
    }

    fn assemble(skills: Vec<Skill>, types: TypeFamilies) -> Result<SkillSet> {
        use rayon::prelude::*;
        // One combined query a language, compiled in parallel: compiling is
        // the bulk of start-up time. Nothing else is compiled: even the
        // idempotence check runs on the combined query.
        let built: Vec<Result<Option<(Lang, Combined)>>> = Lang::ALL
            .par_iter()
            .map(|&lang| Self::combine(&skills, lang, &types))
            .collect();
        let mut combined = HashMap::new();
        for b in built {
            if let Some((lang, c)) = b? {
                combined.insert(lang, c);
            }
        }
        Ok(SkillSet {
            skills,
            combined,
            types,
        })
    }

    fn combine(
        skills: &[Skill],
        lang: Lang,
        types: &TypeFamilies,
    ) -> Result<Option<(Lang, Combined)>> {
        let mut source = String::new();
        let mut spans: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
        for (i, s) in skills.iter().enumerate().filter(|(_, s)| s.lang == lang) {
            let start = source.len();
            source.push_str(&s.spec.query);
            spans.push((start..source.len(), i));
            source.push('\n');
        }
        if spans.is_empty() {
            return Ok(None);
        }
        let skill_at = |offset: usize| {
            spans
                .iter()
                .find(|(r, _)| r.start <= offset && offset <= r.end)
        };
        let query = Query::new(&lang.grammar(), &source).map_err(|e| match skill_at(e.offset) {
            Some((range, i)) => {
                let local = &source[range.start..e.offset.min(range.end)];
                let line = local.matches('\n').count() + 1;
                let column = local.len() - local.rfind('\n').map_or(0, |p| p + 1) + 1;
                anyhow::anyhow!(
                    "{}: query error at line {line}, column {column}: {:?} {}",
                    skills[*i].origin,
                    e.kind,
                    e.message
                )
            }
            None => anyhow::anyhow!("combined {} query: {e}", lang.id()),
        })?;
        let mut pattern_skill = Vec::with_capacity(query.pattern_count());
        for p in 0..query.pattern_count() {
            let (_, i) = skill_at(query.start_byte_for_pattern(p))
                .context("a pattern outside every skill's query")?;
            pattern_skill.push(*i);
        }
        for (_, i) in &spans {
            if !pattern_skill.contains(i) {
                bail!("{}: the query has no pattern", skills[*i].origin);
            }
        }
        // What each pattern's guards need to see named in a file's code.
        let type_needs: Vec<Vec<prefilter::TypeNeed>> = pattern_skill
            .iter()
            .map(|&i| match lang {
                Lang::Cpp => skills[i]
                    .guards
                    .iter()
                    .filter_map(|(call, _)| {
                        let family = call.args.iter().find_map(|a| match a {
                            call::Arg::Word(w) => Some(w.as_str()),
                            _ => None,
                        });
                        prefilter::guard_needs(&call.name, call.negated, family, types)
                    })
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let dispatch = dispatch::Dispatch::new(&lang.grammar(), &query, &source, &type_needs);
        Ok(Some((
            lang,
            Combined {
                lang,
                query,
                dispatch,
                pattern_skill,
            },
        )))
    }

    /// Keep only the skills `ids` selects, by the rules of
    /// [`SkillSet::builtin_selected`]: none, the default skills; [`ALL`],
    /// every one; an id, that skill; a prefix, the default skills under it.
    pub fn select(self, ids: &[String]) -> Result<SkillSet> {
        let before = self.skills.len();
        let kept = selection(self.skills, ids)?;
        if kept.len() == before {
            // Nothing left out: the compiled queries stay as they are.
            return Ok(SkillSet {
                skills: kept,
                combined: self.combined,
                types: self.types,
            });
        }
        Self::assemble(kept, self.types)
    }

    /// A set holding only the skill `id` (to run its examples in isolation).
    pub fn only(&self, id: &str) -> Result<SkillSet> {
        let skill = self.get(id).with_context(|| format!("no skill `{id}`"))?;
        let mut reloaded = load_skill(&skill.origin, &skill.source_text, &self.types)?;
        // As it is in this set: a variant's set keeps the variant's edits.
        reloaded.edits = skill.edits.clone();
        Self::assemble(vec![reloaded], self.types.clone())
    }

    /// A set holding only the skill `id`, rewriting with its variant `name`
    /// instead of its main edit.
    pub fn variant(&self, id: &str, name: &str) -> Result<SkillSet> {
        let skill = self.get(id).with_context(|| format!("no skill `{id}`"))?;
        let mut reloaded = load_skill(&skill.origin, &skill.source_text, &self.types)?;
        let Some((_, edits)) = reloaded.variants.iter().find(|(n, _)| n == name).cloned() else {
            let known: Vec<&str> = reloaded.variants.iter().map(|(n, _)| n.as_str()).collect();
            bail!(
                "`{id}` has no variant `{name}` ({})",
                if known.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("it has {}", known.join(", "))
                }
            );
        };
        reloaded.edits = edits;
        Self::assemble(vec![reloaded], self.types.clone())
    }

    pub fn skills(&self) -> &[Skill] {
        &self.skills
    }

    pub fn get(&self, id: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.id() == id)
    }

    pub fn languages(&self) -> impl Iterator<Item = Lang> + '_ {
        Lang::ALL
            .into_iter()
            .filter(|l| self.combined.contains_key(l))
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// Parse and validate one skill file. Every error names the file and the part.
fn load_skill(origin: &str, text: &str, types: &TypeFamilies) -> Result<Skill> {
    let spec: SkillSpec =
        toml::from_str(text).with_context(|| format!("{origin}: not a valid skill file"))?;
    let (lang_id, name) = spec
        .id
        .split_once('/')
        .with_context(|| format!("{origin}: id `{}` must be `<lang>/<name>`", spec.id))?;
    let lang = Lang::from_id(lang_id)
        .with_context(|| format!("{origin}: unknown language `{lang_id}` in id `{}`", spec.id))?;
    let expected_tail = format!("{lang_id}/{name}.toml");
    if !origin.replace('\\', "/").ends_with(&expected_tail) {
        bail!(
            "{origin}: skill `{}` must live in rewrites/{expected_tail}",
            spec.id
        );
    }
    let captures = capture_names(&spec.query);
    let mut provided = captures.clone();

    let mut guards = Vec::new();
    for g in &spec.guards {
        let call = parse_call(g).map_err(|e| anyhow::anyhow!("{origin}: guard: {e}"))?;
        let def = guards::validate(&call).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        check_captures(origin, &call, &provided)?;
        for a in &call.args {
            if let call::Arg::Word(w) = a {
                if call.name == "declared-type" && !types.has_family(lang, w) {
                    bail!("{origin}: guard `{call}`: unknown type family `{w}` for {lang_id} (see rewrites/types.toml)");
                }
            }
        }
        provided.extend(def.binds.iter().map(|b| b.to_string()));
        guards.push((call, def));
    }
    let edits = parse_edits(origin, &spec.edit, &provided)?;
    let mut variants: Vec<(String, Vec<Call>)> = Vec::new();
    for v in &spec.variants {
        let named = !v.name.is_empty()
            && v.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !named {
            bail!(
                "{origin}: variant name `{}` must be kebab-case (a-z, 0-9, -)",
                v.name
            );
        }
        if variants.iter().any(|(n, _)| *n == v.name) {
            bail!("{origin}: two variants are named `{}`", v.name);
        }
        if v.examples.is_empty() {
            bail!(
                "{origin}: variant `{}` needs at least one before/after example",
                v.name
            );
        }
        let where_ = format!("{origin}: variant `{}`", v.name);
        variants.push((v.name.clone(), parse_edits(&where_, &v.edit, &provided)?));
    }
    for name in edit::template_names(&spec.message) {
        if !provided.contains(&name) {
            bail!("{origin}: message uses `{{{name}}}`, which no capture or guard provides");
        }
    }
    Ok(Skill {
        spec,
        lang,
        origin: origin.to_string(),
        guards,
        edits,
        variants,
        source_text: text.to_string(),
    })
}

/// Parse and check a list of edits against the names captures and guards
/// provide.
fn parse_edits(origin: &str, texts: &[String], provided: &BTreeSet<String>) -> Result<Vec<Call>> {
    let mut edits = Vec::new();
    for e in texts {
        let call = parse_call(e).map_err(|e| anyhow::anyhow!("{origin}: edit: {e}"))?;
        edit::validate(&call).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        check_captures(origin, &call, provided)?;
        if let Some(call::Arg::Text(t)) = call.args.get(1) {
            for name in edit::template_names(t) {
                if !provided.contains(&name) {
                    bail!("{origin}: edit `{call}` uses `{{{name}}}`, which no capture or guard provides");
                }
            }
        }
        edits.push(call);
    }
    if edits.is_empty() {
        bail!("{origin}: a skill needs at least one edit");
    }
    Ok(edits)
}

/// The capture names a query defines (`@name` outside strings and comments).
fn capture_names(query: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = query.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            ';' if !in_str => while chars.next_if(|&c| c != '\n').is_some() {},
            '@' if !in_str => {
                let mut name = String::new();
                while let Some(c) =
                    chars.next_if(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                {
                    name.push(c);
                }
                if !name.is_empty() {
                    out.insert(name);
                }
            }
            _ => {}
        }
    }
    out
}

fn check_captures(origin: &str, call: &Call, provided: &BTreeSet<String>) -> Result<()> {
    for a in &call.args {
        let names: Vec<&String> = match a {
            call::Arg::Capture(c) => vec![c],
            call::Arg::Span(x, y) => vec![x, y],
            _ => vec![],
        };
        for n in names {
            if !provided.contains(n) {
                bail!("{origin}: `{call}` refers to @{n}, which the query does not capture");
            }
        }
    }
    Ok(())
}
