//! The tools' output schemas: the shape of the JSON the command line's
//! `--format json` prints, top-level keys required, the rest open (a result
//! cut to the output cap carries one more key, `truncated`).

use std::sync::Arc;

use rmcp::model::JsonObject;
use serde_json::{json, Value};

fn object(properties: Value, required: &[&str]) -> Arc<JsonObject> {
    let schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
    });
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => unreachable!("a JSON object literal"),
    }
}

fn array(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "object"}, "description": description})
}

pub fn list_skills() -> Arc<JsonObject> {
    object(
        json!({"skills": array("`wattson skills list --format json`: {id, language, tier, title, why} a skill")}),
        &["skills"],
    )
}

pub fn explain_skill() -> Arc<JsonObject> {
    object(
        json!({
            "id": {"type": "string"},
            "language": {"type": "string"},
            "tier": {"type": "string", "enum": ["auto", "review"]},
            "title": {"type": "string"},
            "why": {"type": "string", "description": "why the rewrite is faster"},
            "query": {"type": "string", "description": "the tree-sitter query"},
            "guards": {"type": "array", "items": {"type": "string"}},
            "edit": {"type": "array", "items": {"type": "string"}},
            "examples": array("{before, after}: code the skill rewrites exactly so"),
            "leave_alone": array("{code, why}: code it must not touch, and why"),
        }),
        &[
            "id",
            "language",
            "tier",
            "title",
            "why",
            "query",
            "guards",
            "edit",
            "examples",
            "leave_alone",
        ],
    )
}

pub fn scan() -> Arc<JsonObject> {
    object(
        json!({
            "findings": array("{path, start_line, end_line, skill, tier, title, message, function, edits[, heat]}, hottest first with a profile"),
            "notes": array("{path, note}"),
            "skipped": array("{path, reason}: files not scanned"),
            "stats": {"type": "object", "description": "{files, bytes, lines, seconds}"},
            "profile": {"type": "object", "description": "with a profile: {unit, mapped_percent, min_percent, cold_findings_left_out}"},
        }),
        &["findings", "notes", "skipped", "stats"],
    )
}

pub fn hotspots() -> Arc<JsonObject> {
    object(
        json!({
            "unit": {"type": "string"},
            "total": {"type": "number"},
            "mapped_percent": {"type": "number"},
            "functions": array("{name, path, line, end_line, self_percent, inclusive_percent, self_weight, inclusive_weight, findings}, heaviest first"),
            "unmapped": array("the heaviest symbols not placed in the tree, with the reason"),
        }),
        &["unit", "total", "mapped_percent", "functions", "unmapped"],
    )
}

pub fn preview_fix() -> Arc<JsonObject> {
    object(
        json!({
            "diff": {"type": "string", "description": "the unified diff `wattson fix PATH` prints"},
            "files": array("{path, edits, applied: [{skill, line, message}]}"),
            "edits": {"type": "integer"},
            "skipped": array("{path, reason}"),
        }),
        &["diff", "files", "edits", "skipped"],
    )
}

pub fn apply_fix() -> Arc<JsonObject> {
    object(
        json!({
            "status": {"type": "string", "enum": ["committed", "unchanged"]},
            "branch": {"type": ["string", "null"], "description": "the branch created"},
            "commit": {"type": ["string", "null"], "description": "the commit it points at"},
            "base_commit": {"type": "string", "description": "HEAD, the commit rewritten"},
            "diff": {"type": "string"},
            "files": array("{path, edits, applied}"),
            "edits": {"type": "integer"},
            "skipped": array("{path, reason}"),
        }),
        &[
            "status",
            "branch",
            "commit",
            "base_commit",
            "diff",
            "files",
            "edits",
        ],
    )
}

pub fn measure() -> Arc<JsonObject> {
    object(
        json!({
            "verdict": {"type": "string", "description": "improved | regressed | unchanged | inconclusive | failed"},
            "base_commit": {"type": "string"},
            "head_commit": {"type": "string"},
            "build": {"type": "object"},
            "tests": {"type": "object"},
            "benchmarks": array("{name, unit, base, head, change_percent, ci_low, ci_high, p_value, verdict, base_samples, head_samples}"),
        }),
        &[
            "verdict",
            "base_commit",
            "head_commit",
            "build",
            "tests",
            "benchmarks",
        ],
    )
}

pub fn detect() -> Arc<JsonObject> {
    object(
        json!({"change_points": array("{series, unit, commit, last_good, before, after, change_percent, p_value, direction, index}, regressions first")}),
        &["change_points"],
    )
}

pub fn attribute() -> Arc<JsonObject> {
    object(
        json!({"suspects": array("{commit, summary, author, score, reasons, changed_functions}, most likely first")}),
        &["suspects"],
    )
}

pub fn prepare_revert() -> Arc<JsonObject> {
    object(
        json!({
            "status": {"type": "string", "enum": ["ready", "conflict"]},
            "commit": {"type": "string", "description": "the revert commit (referenced by no branch)"},
            "reverts": {"type": "string"},
            "onto": {"type": "string", "description": "HEAD"},
            "paths": {"type": "array", "items": {"type": "string"}, "description": "the conflicting paths"},
        }),
        &["status", "reverts", "onto"],
    )
}

pub fn propose() -> Arc<JsonObject> {
    object(
        json!({
            "repository": {"type": "string"},
            "base_commit": {"type": "string"},
            "candidates": array("{proposal, outcome: {status: proposed, branch, location} | {status: rejected, rung, reason}}"),
            "cold_left_out": {"type": "integer"},
            "not_measured": {"type": "integer"},
        }),
        &[
            "repository",
            "base_commit",
            "candidates",
            "cold_left_out",
            "not_measured",
        ],
    )
}
