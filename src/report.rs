//! Rendering scan results: plain text for people, JSON for programs, SARIF
//! 2.1.0 for code-scanning UIs.

use serde_json::{json, Value};

use crate::profile::index::Heat;
use crate::profile::HotnessIndex;
use crate::scan::{FileFindings, ScanReport};
use crate::skills::{Finding, SkillSet, Tier};

pub fn text(report: &ScanReport) -> String {
    let mut out = String::new();
    for (file, f, heat) in report.findings_with_heat() {
        if let Some(h) = heat {
            out.push_str(&format!("{:>5.1}% ", h.self_percent));
        }
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

fn finding_json(file: &FileFindings, f: &Finding, heat: Option<&Heat>) -> Value {
    let mut v = json!({
        "path": file.path,
        "start_line": f.start_line,
        "end_line": f.end_line,
        "skill": f.skill,
        "tier": f.tier,
        "title": f.title,
        "message": f.message,
        "function": f.function,
        "edits": f.edits,
    });
    if let Some(h) = heat {
        v["heat"] = json!(h);
    }
    v
}

pub fn json(report: &ScanReport) -> Value {
    let findings: Vec<Value> = report
        .findings_with_heat()
        .map(|(file, f, heat)| finding_json(file, f, heat))
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
    let mut out = json!({
        "findings": findings,
        "notes": notes,
        "skipped": report.skipped,
        "stats": report.stats,
    });
    if let Some(r) = &report.ranking {
        out["profile"] = json!({
            "unit": r.unit,
            "mapped_percent": r.mapped_percent,
            "min_percent": r.min_percent,
            "cold_findings_left_out": r.cold,
        });
    }
    out
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
        .findings_with_heat()
        .map(|(file, f, heat)| {
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
            if let Some(h) = heat {
                // SARIF's rank is a priority from 0 to 100: the share of the
                // profile the finding's function costs is one.
                result["rank"] = json!((h.self_percent * 100.0).round() / 100.0);
                result["properties"]["heat"] = json!(h);
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

/// `wattson hotspots` as text: the heaviest functions with their findings,
/// then the heaviest symbols that could not be placed in the tree.
pub fn hotspots_text(
    index: &HotnessIndex,
    report: &ScanReport,
    top: usize,
    unmapped: usize,
) -> String {
    let mut out = format!(
        "{:.1}% of {} {} mapped to {} function(s) of the tree\n\n",
        index.mapped_percent(),
        index.total,
        index.unit,
        index.functions.len()
    );
    out.push_str("  self%  incl%  function\n");
    for f in index.functions.iter().take(top) {
        out.push_str(&format!(
            "{:>7.2} {:>6.2}  {}  ({}:{})\n",
            f.self_percent, f.inclusive_percent, f.name, f.path, f.line
        ));
        for (file, finding) in findings_in(index, report, f) {
            out.push_str(&format!(
                "                 {}:{}: [{}] {}\n",
                file.path, finding.start_line, finding.skill, finding.message
            ));
        }
    }
    let shown: Vec<_> = index.unmapped.iter().take(unmapped).collect();
    if !shown.is_empty() {
        out.push_str("\nheaviest weight not placed in the tree:\n");
        for u in shown {
            out.push_str(&format!(
                "{:>7.2}%  {}  ({})\n",
                u.percent, u.symbol, u.reason
            ));
        }
    }
    out
}

/// `wattson hotspots` as JSON: `{"mapped_percent", "functions": [{"name",
/// "path", "line", "self_percent", "inclusive_percent", "findings"}]}`,
/// heaviest first.
pub fn hotspots_json(
    index: &HotnessIndex,
    report: &ScanReport,
    top: usize,
    unmapped: usize,
) -> Value {
    let functions: Vec<Value> = index
        .functions
        .iter()
        .take(top)
        .map(|f| {
            let findings: Vec<Value> = findings_in(index, report, f)
                .map(|(file, finding)| {
                    let heat = index.heat(&file.path, finding.start_line as u32);
                    finding_json(file, finding, heat.as_ref())
                })
                .collect();
            json!({
                "name": f.name,
                "path": f.path,
                "line": f.line,
                "end_line": f.end_line,
                "self_percent": f.self_percent,
                "inclusive_percent": f.inclusive_percent,
                "self_weight": f.self_weight,
                "inclusive_weight": f.inclusive_weight,
                "findings": findings,
            })
        })
        .collect();
    json!({
        "unit": index.unit,
        "total": index.total,
        "mapped_percent": index.mapped_percent(),
        "functions": functions,
        "unmapped": index.unmapped.iter().take(unmapped).collect::<Vec<_>>(),
    })
}

/// The findings whose innermost function is `f` (not a function nested in it).
fn findings_in<'r>(
    index: &'r HotnessIndex,
    report: &'r ScanReport,
    f: &'r crate::profile::index::FunctionWeight,
) -> impl Iterator<Item = (&'r FileFindings, &'r Finding)> {
    report
        .files
        .iter()
        .filter(move |file| file.path == f.path)
        .flat_map(|file| file.findings.iter().map(move |x| (file, x)))
        .filter(move |(file, x)| {
            index
                .function_at(&file.path, x.start_line as u32)
                .is_some_and(|g| g.line == f.line)
        })
}
