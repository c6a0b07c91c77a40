//! Rendering scan results: plain text for people, JSON for programs, SARIF
//! 2.1.0 for code-scanning UIs.

use serde_json::{json, Value};

use crate::scan::ScanReport;
use crate::skills::{SkillSet, Tier};

pub fn text(report: &ScanReport) -> String {
    let mut out = String::new();
    for (file, f) in report.findings() {
        let lines = if f.start_line == f.end_line {
            f.start_line.to_string()
        } else {
            format!("{}-{}", f.start_line, f.end_line)
        };
        let func = f
            .function
            .as_deref()
            .map(|n| format!(" in {n}"))
            .unwrap_or_default();
        let tier = if f.tier == Tier::Review {
            " (review)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{}:{lines}: [{}]{tier} {}{func}\n",
            file.path, f.skill, f.message
        ));
    }
    out
}

pub fn json(report: &ScanReport) -> Value {
    let findings: Vec<Value> = report
        .findings()
        .map(|(file, f)| {
            json!({
                "path": file.path,
                "start_line": f.start_line,
                "end_line": f.end_line,
                "skill": f.skill,
                "tier": f.tier,
                "title": f.title,
                "message": f.message,
                "function": f.function,
                "edits": f.edits,
            })
        })
        .collect();
    let notes: Vec<Value> = report
        .files
        .iter()
        .flat_map(|f| {
            f.notes
                .iter()
                .map(move |n| json!({"path": f.path, "note": n}))
        })
        .collect();
    json!({
        "findings": findings,
        "notes": notes,
        "skipped": report.skipped,
        "stats": report.stats,
    })
}

/// SARIF 2.1.0: one rule per loaded skill, one result per finding, each with
/// its fix as byte-range replacements.
pub fn sarif(report: &ScanReport, set: &SkillSet) -> Value {
    let rules: Vec<Value> = set
        .skills()
        .iter()
        .map(|s| {
            json!({
                "id": s.id(),
                "name": s.id().replace(['/', '-'], "_"),
                "shortDescription": {"text": s.spec.title},
                "fullDescription": {"text": s.spec.why.trim()},
                "help": {"text": s.spec.why.trim()},
                "defaultConfiguration": {"level": "note"},
                "properties": {"tier": s.spec.tier, "tags": ["performance", s.lang.id()]},
            })
        })
        .collect();
    let rule_index = |id: &str| set.skills().iter().position(|s| s.id() == id);
    let results: Vec<Value> = report
        .findings()
        .map(|(file, f)| {
            let replacements: Vec<Value> = f
                .edits
                .iter()
                .map(|e| {
                    json!({
                        "deletedRegion": {"byteOffset": e.range.start, "byteLength": e.range.len()},
                        "insertedContent": {"text": e.text},
                    })
                })
                .collect();
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": {"uri": file.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.start_line, "endLine": f.end_line},
                }
            });
            if let Some(func) = &f.function {
                location["logicalLocations"] =
                    json!([{"fullyQualifiedName": func, "kind": "function"}]);
            }
            let mut result = json!({
                "ruleId": f.skill,
                "level": if f.tier == Tier::Auto { "warning" } else { "note" },
                "message": {"text": f.message},
                "locations": [location],
                "fixes": [{
                    "description": {"text": f.title},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": file.path, "uriBaseId": "%SRCROOT%"},
                        "replacements": replacements,
                    }],
                }],
                "properties": {"tier": f.tier},
            });
            if let Some(i) = rule_index(&f.skill) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    let root = std::fs::canonicalize(&report.root).unwrap_or_else(|_| report.root.clone());
    let base = if root.is_dir() {
        root
    } else {
        root.parent().map(|p| p.to_path_buf()).unwrap_or_default()
    };
    let mut base_uri = format!("file://{}", base.display());
    if !base_uri.ends_with('/') {
        base_uri.push('/');
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wattson",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/wattson-bot/wattson",
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": base_uri}},
            "results": results,
        }],
    })
}
