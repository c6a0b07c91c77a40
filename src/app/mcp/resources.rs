//! Resources: the expertise an agent applies, to read before applying it.
//!
//! - `wattson://skills`: the catalogue (the same list as `list_skills`);
//! - `wattson://skills/<id>`: one skill's file (TOML: query, guards, edit,
//!   and its examples and leave-alone cases), then the examples as JSON;
//! - `wattson://rules/<name>`: the rules in force for the repository
//!   (`hotness`, `evidence`, `propose`, `regression`: the shipped defaults
//!   merged with its `.wattson.toml`, as JSON), then the shipped defaults with
//!   their explanations (TOML).

use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use rmcp::ErrorData;
use serde_json::json;

use super::work::{self, Ctx};
use super::ToolError;

const SKILLS: &str = "wattson://skills";
const RULES: &str = "wattson://rules/";

/// The shipped defaults, with the comments that explain them.
const SHIPPED_RULES: &[(&str, &str)] = &[
    ("hotness", include_str!("../../../rules/hotness.toml")),
    ("evidence", include_str!("../../../rules/evidence.toml")),
    ("regression", include_str!("../../../rules/regression.toml")),
];

/// The rule tables a configuration has.
const RULE_NAMES: &[&str] = &["hotness", "evidence", "propose", "regression"];

fn skills_error(e: crate::ops::Error) -> ErrorData {
    ToolError::from(e).into_error_data()
}

pub fn list(ctx: &Ctx) -> Result<ListResourcesResult, ErrorData> {
    let set = ctx.skills.select(&[]).map_err(skills_error)?;
    let mut resources = vec![Resource::new(SKILLS, "skills")
        .with_title("wattson's rewrite skills")
        .with_description("Every skill: id, language, tier, title and why it is faster.")
        .with_mime_type("application/json")];
    for s in set.skills() {
        resources.push(
            Resource::new(format!("{SKILLS}/{}", s.id()), s.id())
                .with_title(s.spec.title.clone())
                .with_description(format!(
                    "The skill file ({:?} tier): query, guards, edit, examples and leave-alone cases.",
                    s.spec.tier
                ).to_lowercase())
                .with_mime_type("application/toml"),
        );
    }
    for name in RULE_NAMES {
        resources.push(
            Resource::new(format!("{RULES}{name}"), format!("rules/{name}"))
                .with_title(format!("[{name}] rules in force"))
                .with_description(
                    "The shipped defaults merged with the repository's .wattson.toml (JSON), \
                     then the defaults with their explanations (TOML).",
                )
                .with_mime_type("application/json"),
        );
    }
    Ok(ListResourcesResult::with_all_items(resources))
}

pub fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(format!("{SKILLS}/{{id}}"), "skill")
            .with_title("A skill by id")
            .with_description(
                "A skill's file (TOML) and its examples (JSON); ids such as `cpp/endl-in-loop`.",
            )
            .with_mime_type("application/toml"),
        ResourceTemplate::new(format!("{RULES}{{name}}"), "rules")
            .with_title("Rules in force")
            .with_description("`hotness`, `evidence`, `propose` or `regression`.")
            .with_mime_type("application/json"),
    ])
}

pub fn read(ctx: &Ctx, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let not_found = || {
        ErrorData::resource_not_found(
            format!("no resource `{uri}` (see resources/list)"),
            Some(json!({ "uri": uri })),
        )
    };
    if uri == SKILLS {
        let list = work::list_skills(ctx, Default::default()).map_err(|e| e.into_error_data())?;
        let text = serde_json::to_string_pretty(&list.skills).unwrap_or_default();
        return Ok(ReadResourceResult::new(vec![ResourceContents::text(
            text, uri,
        )
        .with_mime_type("application/json")]));
    }
    if let Some(id) = uri.strip_prefix(SKILLS).and_then(|r| r.strip_prefix('/')) {
        let set = ctx.skills.select(&[]).map_err(skills_error)?;
        let skill = set.get(id).ok_or_else(not_found)?;
        let examples = json!({
            "examples": skill.spec.examples,
            "leave_alone": skill.spec.leave_alone,
        });
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(skill.source_text.clone(), uri)
                .with_mime_type("application/toml"),
            ResourceContents::text(
                serde_json::to_string_pretty(&examples).unwrap_or_default(),
                format!("{uri}#examples"),
            )
            .with_mime_type("application/json"),
        ]));
    }
    if let Some(name) = uri.strip_prefix(RULES) {
        if !RULE_NAMES.contains(&name) {
            return Err(not_found());
        }
        let config = crate::config::Config::discover(&ctx.root)
            .map_err(|e| ToolError::failed(e).into_error_data())?;
        let all = serde_json::to_value(&config).unwrap_or_default();
        let mut active = json!({ name: all[name] });
        if let Some(source) = &config.source {
            active["source"] = json!(source.display().to_string());
        }
        let mut contents = vec![ResourceContents::text(
            serde_json::to_string_pretty(&active).unwrap_or_default(),
            uri,
        )
        .with_mime_type("application/json")];
        if let Some((_, text)) = SHIPPED_RULES.iter().find(|(n, _)| *n == name) {
            contents.push(
                ResourceContents::text(*text, format!("{uri}#defaults"))
                    .with_mime_type("application/toml"),
            );
        }
        return Ok(ReadResourceResult::new(contents));
    }
    Err(not_found())
}
