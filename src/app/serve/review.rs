//! Reviewers' commands on wattson pull requests, carried out.
//!
//! Only people with write access are obeyed (GitHub's author association
//! OWNER, MEMBER or COLLABORATOR); comments by bots, wattson included, are
//! never commands, so two bots cannot talk each other into a loop. Every
//! command is answered with a reaction and a reply; the reply carries a
//! marker naming the comment it answers, so a redelivered comment is not
//! answered twice.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use git2::Oid;
use octocrab::models::pulls::PullRequest;
use serde_json::json;

use super::webhook::Incoming;
use super::worker::{Checkout, Worker};
use crate::config::REPO_CONFIG;
use crate::evidence::ab::{Evidence, Session};
use crate::evidence::report;
use crate::forge::github::api::{Api, CommentKind};
use crate::forge::github::{is_open, is_wattson_pull, CONFIG_SKILL};
use crate::forge::Forge;
use crate::lang::Lang;
use crate::pipeline::{self, Rewrite};
use crate::proposal::commands::{self, Command, MENTION};
use crate::proposal::{Proposal, FINGERPRINT_MARKER};

/// The associations that mean write access to the repository.
const WRITERS: &[&str] = &["OWNER", "MEMBER", "COLLABORATOR"];

/// What a pull request's marker says about the proposal it carries.
#[derive(Debug, PartialEq)]
pub struct Marker {
    pub fingerprint: String,
    pub skill: String,
    pub path: String,
    /// The variant a reviewer picked, if any.
    pub variant: Option<String>,
}

/// Read `<!-- wattson:fingerprint=… skill=… path=… -->` from a body.
pub fn read_marker(body: &str) -> Option<Marker> {
    let start = body.rfind(FINGERPRINT_MARKER)? + FINGERPRINT_MARKER.len();
    let rest = &body[start..];
    let rest = &rest[..rest.find("-->")?];
    let mut words = rest.split_whitespace();
    let fingerprint = words.next()?.to_string();
    let mut skill = String::new();
    let mut path = String::new();
    let mut variant = None;
    for w in words {
        if let Some(v) = w.strip_prefix("skill=") {
            skill = v.to_string();
        } else if let Some(v) = w.strip_prefix("path=") {
            path = v.replace("%20", " ");
        } else if let Some(v) = w.strip_prefix("variant=") {
            variant = Some(v.to_string());
        }
    }
    Some(Marker {
        fingerprint,
        skill,
        path,
        variant,
    })
}

struct Ctx<'a> {
    worker: &'a Worker,
    api: Arc<Api>,
    pr: PullRequest,
    comment_id: u64,
    kind: CommentKind,
    author: String,
}

pub fn on_comment(worker: &Worker, incoming: &Incoming) -> Result<String> {
    let Incoming::Comment {
        repo,
        installation,
        number,
        on_pull_request,
        review,
        comment_id,
        author,
        association,
        from_bot,
        body,
    } = incoming
    else {
        anyhow::bail!("not a comment");
    };
    if *from_bot {
        return Ok(format!("comment by {author}, a bot: never a command"));
    }
    let commands = commands::parse(body);
    if commands.is_empty() {
        return Ok("a comment without a command".into());
    }
    if !on_pull_request {
        return Ok(format!(
            "{repo}#{number} is an issue, not a wattson pull request"
        ));
    }
    let api = worker.api(repo, *installation)?;
    let pr = worker.runtime.block_on(api.pull(*number))?;
    if !is_wattson_pull(&pr) {
        return Ok(format!("{repo}#{number} is not a wattson pull request"));
    }
    let ctx = Ctx {
        worker,
        api,
        pr,
        comment_id: *comment_id,
        kind: if *review {
            CommentKind::Review
        } else {
            CommentKind::Issue
        },
        author: author.clone(),
    };
    if !WRITERS.contains(&association.as_str()) {
        ctx.answer(
            0,
            "confused",
            &format!(
                "@{author} only people with write access to this repository can steer wattson (your association is {association})."
            ),
        )?;
        return Ok(format!(
            "{repo}#{number}: {author} ({association}) may not command"
        ));
    }
    let mut done = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let (reaction, reply) = match ctx.run(command) {
            Ok(answer) => answer,
            Err(e) => ("confused", format!("That did not work: {e:#}")),
        };
        ctx.answer(i, reaction, &reply)?;
        done.push(format!("{command:?}"));
    }
    Ok(format!("{repo}#{number}: {}", done.join(", ")))
}

impl Ctx<'_> {
    fn block_on<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        self.worker.runtime.block_on(f)
    }

    /// React, and reply unless this command of this comment was answered
    /// already (a redelivery).
    fn answer(&self, index: usize, reaction: &str, text: &str) -> Result<()> {
        let marker = format!("<!-- wattson:reply-to={}/{index} -->", self.comment_id);
        self.react(reaction);
        self.block_on(async {
            let answered = self
                .api
                .comments(self.pr.number)
                .await?
                .iter()
                .any(|c| c.body.as_deref().is_some_and(|b| b.contains(&marker)));
            if !answered {
                self.api
                    .comment(self.pr.number, &format!("{text}\n\n{marker}\n"))
                    .await?;
            }
            Ok(())
        })
    }

    /// Reactions are a courtesy: a server without them does not stop the
    /// command or its reply.
    fn react(&self, reaction: &str) {
        if let Err(e) = self.block_on(self.api.react(self.kind, self.comment_id, reaction)) {
            tracing::warn!("reacting to comment {}: {e:#}", self.comment_id);
        }
    }

    fn marker(&self) -> Result<Marker> {
        read_marker(self.pr.body.as_deref().unwrap_or(""))
            .context("the pull request lost its wattson marker")
    }

    /// Carry out one command: (reaction, reply).
    fn run(&self, command: &Command) -> Result<(&'static str, String)> {
        Ok(match command {
            Command::Help => ("+1", commands::help_markdown()),
            Command::Unknown { text, problem } => (
                "confused",
                format!(
                    "I did not understand `{MENTION} {text}`: {problem}.\n\n{}",
                    commands::help_markdown()
                ),
            ),
            Command::Reject { reason } => self.reject(reason.as_deref())?,
            Command::Rebench => self.rebench()?,
            Command::Rebase => self.redo(None)?,
            Command::RefineDrop { path } => self.refine_drop(path)?,
            Command::RefineOnly { skill } => {
                let m = self.marker()?;
                if *skill == m.skill {
                    (
                        "+1",
                        format!(
                            "This pull request already holds only `{}` rewrites.",
                            m.skill
                        ),
                    )
                } else {
                    (
                        "confused",
                        format!(
                            "This pull request holds only `{}` rewrites, none of `{skill}`: nothing would be left. `{MENTION} reject` closes it.",
                            m.skill
                        ),
                    )
                }
            }
            Command::RefineVariant { name } => self.redo(Some(name))?,
            Command::IgnoreSkill { id } => {
                if self.worker.skills.get(id).is_none() {
                    return Ok((
                        "confused",
                        format!("There is no skill `{id}`. `wattson skills list` shows them all."),
                    ));
                }
                self.propose_ignore("skills", id)?
            }
            Command::IgnorePath { glob } => self.propose_ignore("paths", glob)?,
        })
    }

    fn reject(&self, reason: Option<&str>) -> Result<(&'static str, String)> {
        if is_open(&self.pr) {
            self.block_on(
                self.api
                    .update_pull(self.pr.number, &json!({ "state": "closed" })),
            )?;
        }
        let m = self.marker()?;
        let because = reason.map(|r| format!(" ({r})")).unwrap_or_default();
        Ok((
            "+1",
            format!(
                "Closed at @{}'s request{because}. wattson will not propose this change (`{}`) again.",
                self.author, m.fingerprint
            ),
        ))
    }

    /// The pull request's head commit and its parent, in a checkout.
    fn head_checkout(&self) -> Result<(Checkout, Oid, Oid)> {
        self.react("eyes");
        let co = self.worker.checkout(&self.api, Some(&self.pr.head.sha))?;
        let head = Oid::from_str(&self.pr.head.sha)?;
        let parent = co.repo.find_commit(head)?.parent_id(0)?;
        Ok((co, head, parent))
    }

    fn rebench(&self) -> Result<(&'static str, String)> {
        let (co, head, parent) = self.head_checkout()?;
        let evidence = measure(&co, parent, head)?;
        let verdict = match evidence.rejection() {
            None => "It still helps.".to_string(),
            Some(r) => format!("It no longer holds up: {r}."),
        };
        Ok((
            "rocket",
            format!(
                "Measured again. {verdict}\n\n{}",
                report::markdown(&evidence)
            ),
        ))
    }

    /// Redo the rewrite and measure it: `rebase` (on the default branch's
    /// tip, in the variant already chosen) or `refine variant` (on the same
    /// base, in the variant named). The branch moves only when the evidence
    /// still holds.
    fn redo(&self, variant: Option<&str>) -> Result<(&'static str, String)> {
        let m = self.marker()?;
        if m.skill == "revert" || m.skill == CONFIG_SKILL {
            return Ok((
                "confused",
                format!(
                    "That redoes a rewrite; this pull request is a `{}`. Close it and wattson proposes it afresh when it applies.",
                    m.skill
                ),
            ));
        }
        let chosen = variant.map(str::to_string).or(m.variant.clone());
        let skills = match &chosen {
            Some(v) => match self.worker.skills.variant(&m.skill, v) {
                Ok(set) => set,
                Err(e) => return Ok(("confused", format!("{e:#}."))),
            },
            None => self.worker.skills.only(&m.skill)?,
        };
        self.react("eyes");
        // `refine variant` keeps the base; `rebase` takes the default branch's tip.
        let (co, base) = if variant.is_some() {
            let (co, _, parent) = self.head_checkout()?;
            (co, parent)
        } else {
            let co = self.worker.checkout(&self.api, None)?;
            let tip = co.repo.head()?.peel_to_commit()?.id();
            (co, tip)
        };
        let lang = Lang::from_path(Path::new(&m.path))
            .with_context(|| format!("`{}` is not C++ or Rust", m.path))?;
        let short = &base.to_string()[..10];
        let what = match (variant, &chosen) {
            (Some(v), _) => format!("Rebuilt as variant `{v}`"),
            (None, Some(v)) => format!(
                "Rebased onto `{}` ({short}), as variant `{v}`",
                co.info.default_branch
            ),
            (None, None) => format!("Rebased onto `{}` ({short})", co.info.default_branch),
        };
        let (mut proposal, commit) =
            match pipeline::rewrite_at(&co.repo, base, &m.path, lang, &m.skill, &skills, None)? {
                Rewrite::DidNotApply { notes, .. } => {
                    return Ok((
                        "confused",
                        format!(
                            "{what}: the rewrite no longer applies to `{}`{}; the branch is unchanged. `{MENTION} reject` closes this.",
                            m.path,
                            if notes.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", notes.join("; "))
                            }
                        ),
                    ))
                }
                Rewrite::Applied { proposal, commit } => (proposal, commit),
            };
        // This pull request keeps its identity (branch and marker).
        proposal.fingerprint = m.fingerprint.clone();
        proposal.variant = chosen.clone();
        if let Some(v) = &chosen {
            let skill = self
                .worker
                .skills
                .get(&m.skill)
                .context("the skill is loaded")?;
            if let Some(spec) = skill.spec.variants.iter().find(|s| s.name == *v) {
                proposal.sections.push((
                    "Variant".into(),
                    format!("`{v}`: {}", spec.description.trim()),
                ));
            }
        }
        let evidence = measure(&co, base, commit)?;
        if let Some(reason) = evidence.rejection() {
            return Ok((
                "confused",
                format!(
                    "{what}, the change no longer holds up: {reason}. The branch is unchanged.\n\n{}",
                    report::markdown(&evidence)
                ),
            ));
        }
        proposal.evidence = Some(evidence);
        let forge = self.worker.forge(&self.api, &co);
        self.block_on(async {
            forge
                .push_own_branch(&co.repo, commit, &self.pr.head.ref_field)
                .await?;
            self.api
                .update_pull(
                    self.pr.number,
                    &json!({ "title": proposal.pr_title(), "body": proposal.pr_body() }),
                )
                .await?;
            Ok(())
        })?;
        let summary = proposal
            .evidence
            .as_ref()
            .map(|e| e.summary())
            .unwrap_or_default();
        Ok(("rocket", format!("{what} and measured again: {summary}.")))
    }

    fn refine_drop(&self, path: &str) -> Result<(&'static str, String)> {
        let (co, head, parent) = self.head_checkout()?;
        let repo = &co.repo;
        let head_commit = repo.find_commit(head)?;
        let parent_tree = repo.find_commit(parent)?.tree()?;
        let diff = repo.diff_tree_to_tree(Some(&parent_tree), Some(&head_commit.tree()?), None)?;
        let changed: Vec<String> = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or(d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        if !changed.iter().any(|c| c == path) {
            return Ok((
                "confused",
                format!(
                    "`{path}` is not part of this proposal; it changes {}.",
                    quote_list(&changed)
                ),
            ));
        }
        if changed.len() == 1 {
            return Ok((
                "confused",
                format!("Without `{path}` nothing is left of this proposal. `{MENTION} reject` closes it."),
            ));
        }
        // The head's tree with `path` as the parent has it.
        let mut index = git2::Index::new()?;
        index.read_tree(&head_commit.tree()?)?;
        match parent_tree.get_path(Path::new(path)) {
            Ok(entry) => {
                let mut e = index
                    .get_path(Path::new(path), 0)
                    .context("the path is in the head")?;
                e.id = entry.id();
                e.mode = entry.filemode() as u32;
                index.add(&e)?;
            }
            Err(_) => index.remove_path(Path::new(path))?,
        }
        let tree = repo.find_tree(index.write_tree_to(repo)?)?;
        let sig = git2::Signature::now(crate::forge::BOT_NAME, crate::forge::BOT_EMAIL)?;
        let message = head_commit.message().unwrap_or_default().to_string();
        let commit = repo.commit(
            None,
            &sig,
            &sig,
            &message,
            &tree,
            &[&repo.find_commit(parent)?],
        )?;
        let evidence = measure(&co, parent, commit)?;
        if let Some(reason) = evidence.rejection() {
            return Ok((
                "confused",
                format!(
                    "Without `{path}` the change no longer holds up: {reason}. The branch is unchanged.\n\n{}",
                    report::markdown(&evidence)
                ),
            ));
        }
        let forge = self.worker.forge(&self.api, &co);
        self.block_on(forge.push_own_branch(repo, commit, &self.pr.head.ref_field))?;
        Ok((
            "rocket",
            format!(
                "Dropped `{path}` and measured again: {}.\n\n{}",
                evidence.summary(),
                report::markdown(&evidence)
            ),
        ))
    }

    /// Propose adding `value` to `[ignore] <key>` of `.wattson.toml`, as its
    /// own pull request.
    fn propose_ignore(&self, key: &str, value: &str) -> Result<(&'static str, String)> {
        let co = self.worker.checkout(&self.api, None)?;
        let base = co.repo.head()?.peel_to_commit()?;
        let old = match base.tree()?.get_path(Path::new(REPO_CONFIG)) {
            Ok(e) => {
                let blob = e.to_object(&co.repo)?.peel_to_blob()?;
                String::from_utf8(blob.content().to_vec())
                    .with_context(|| format!("{REPO_CONFIG} is not UTF-8"))?
            }
            Err(_) => String::new(),
        };
        let Some(new) = add_ignore(&old, key, value)? else {
            return Ok((
                "+1",
                format!("`{value}` is already in `[ignore] {key}` of `{REPO_CONFIG}`."),
            ));
        };
        let patch = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{REPO_CONFIG}"), &format!("b/{REPO_CONFIG}"))
            .to_string();
        let what = if key == "skills" { "skill" } else { "path" };
        let link = self
            .pr
            .html_url
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_else(|| format!("#{}", self.pr.number));
        let proposal = Proposal {
            skill: CONFIG_SKILL.into(),
            title: format!("Ignore {what} `{value}`"),
            why: format!(
                "@{} asked wattson to leave {what} `{value}` alone in this repository (on {link}). Merging this adds it to `[ignore] {key}` in `{REPO_CONFIG}`.",
                self.author
            ),
            path: REPO_CONFIG.into(),
            sites: Vec::new(),
            heat: None,
            fingerprint: Proposal::fingerprint_of(CONFIG_SKILL, REPO_CONFIG, &patch),
            patch,
            evidence: None,
            sections: Vec::new(),
            variant: None,
        };
        let commit = pipeline::commit_change(&co.repo, base.id(), REPO_CONFIG, &new, &proposal)?;
        let forge = self.worker.forge(&self.api, &co);
        let published = forge.publish(&proposal, commit)?;
        Ok((
            "+1",
            format!(
                "Proposed in {}: it adds `{value}` to `[ignore] {key}` in `{REPO_CONFIG}`.",
                published.location
            ),
        ))
    }
}

/// Build, test and benchmark `commit` against `base` in the checkout.
fn measure(co: &Checkout, base: Oid, commit: Oid) -> Result<Evidence> {
    Session::start(&co.dir, &base.to_string(), &co.config.evidence)?.measure(&commit.to_string())
}

/// `.wattson.toml` text with `value` added to `[ignore] key`, comments and
/// layout kept; `None` when it is there already.
pub fn add_ignore(text: &str, key: &str, value: &str) -> Result<Option<String>> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{REPO_CONFIG} does not parse"))?;
    let table = doc
        .entry("ignore")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .with_context(|| format!("`ignore` in {REPO_CONFIG} is not a table"))?;
    let list = table
        .entry(key)
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .with_context(|| format!("`ignore.{key}` in {REPO_CONFIG} is not a list"))?;
    if list.iter().any(|v| v.as_str() == Some(value)) {
        return Ok(None);
    }
    list.push(value);
    Ok(Some(doc.to_string()))
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_back() {
        let body = "text\n<!-- wattson:fingerprint=ab12cd34ef56 skill=cpp/endl-in-loop path=src/a%20b.cpp -->\n";
        assert_eq!(
            read_marker(body),
            Some(Marker {
                fingerprint: "ab12cd34ef56".into(),
                skill: "cpp/endl-in-loop".into(),
                path: "src/a b.cpp".into(),
                variant: None,
            })
        );
        let chosen = body.replace(" -->", " variant=string-newline -->");
        assert_eq!(
            read_marker(&chosen).unwrap().variant.as_deref(),
            Some("string-newline")
        );
        assert_eq!(read_marker("no marker"), None);
    }

    #[test]
    fn ignore_lists_are_extended_keeping_comments() {
        let old = "# ours\n[evidence]\nbench = \"make bench\" # the suite\n";
        let new = add_ignore(old, "skills", "cpp/endl-in-loop")
            .unwrap()
            .unwrap();
        assert!(
            new.contains("# ours") && new.contains("# the suite"),
            "{new}"
        );
        let again = add_ignore(&new, "paths", "third_party/**")
            .unwrap()
            .unwrap();
        let cfg: toml::Value = toml::from_str(&again).unwrap();
        assert_eq!(
            cfg["ignore"]["skills"][0].as_str(),
            Some("cpp/endl-in-loop")
        );
        assert_eq!(cfg["ignore"]["paths"][0].as_str(), Some("third_party/**"));
        assert_eq!(
            add_ignore(&again, "skills", "cpp/endl-in-loop").unwrap(),
            None
        );
        assert!(add_ignore("ignore = 3\n", "skills", "x").is_err());
        assert!(add_ignore("[[oops\n", "skills", "x").is_err());
    }
}
