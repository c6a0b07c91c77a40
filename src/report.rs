//! Rendering scan results: plain text for people, JSON for programs, SARIF
//! 2.1.0 for code-scanning UIs.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::profile::index::{Heat, UnmappedSymbol};
use crate::profile::HotnessIndex;
use crate::scan::{FileFindings, ScanReport, Skipped, Stats};
use crate::skills::{Finding, SkillSet, TextEdit, Tier};

/// One finding, as JSON shows it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingOut {
    /// Relative to the scanned path.
    pub path: String,
    pub start_line: usize,
    pub end_line: usize,
    pub skill: String,
    /// `auto` or `review`.
    #[schemars(with = "String")]
    pub tier: Tier,
    pub title: String,
    pub message: String,
    /// The qualified name of the enclosing function.
    pub function: Option<String>,
    /// The rewrite, as byte-range replacements `{range: {start, end}, text}`.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub edits: Vec<TextEdit>,
    /// How hot the code is, when the scan was ranked by a profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heat: Option<Heat>,
}

impl FindingOut {
    fn new(file: &FileFindings, f: &Finding, heat: Option<&Heat>) -> FindingOut {
        FindingOut {
            path: file.path.clone(),
            start_line: f.start_line,
            end_line: f.end_line,
            skill: f.skill.clone(),
            tier: f.tier,
            title: f.title.clone(),
            message: f.message.clone(),
            function: f.function.clone(),
            edits: f.edits.clone(),
            heat: heat.cloned(),
        }
    }
}

/// A note the scan made about a file (a region that does not parse, a
/// candidate a guard turned down).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Note {
    pub path: String,
    pub note: String,
}

/// How a ranked scan used its profile.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProfileSummary {
    pub unit: String,
    pub mapped_percent: f64,
    pub min_percent: f64,
    pub cold_findings_left_out: usize,
}

/// `wattson scan --format json`: the findings (hottest first with a
/// profile), notes, skipped files and the walk's statistics.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScanOutput {
    pub findings: Vec<FindingOut>,
    pub notes: Vec<Note>,
    /// `{path, reason}`: files not scanned.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub skipped: Vec<Skipped>,
    /// `{files, bytes, lines, seconds}`.
    #[schemars(with = "serde_json::Value")]
    pub stats: Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileSummary>,
    /// The scanned path (SARIF's `%SRCROOT%`); not part of the JSON.
    #[serde(skip)]
    pub root: PathBuf,
}

impl ScanOutput {
    pub fn new(report: ScanReport) -> ScanOutput {
        let findings = report
            .findings_with_heat()
            .map(|(file, f, heat)| FindingOut::new(file, f, heat))
            .collect();
        let notes = report
            .files
            .iter()
            .flat_map(|f| {
                f.notes.iter().map(move |n| Note {
                    path: f.path.clone(),
                    note: n.clone(),
                })
            })
            .collect();
        let profile = report.ranking.as_ref().map(|r| ProfileSummary {
            unit: r.unit.clone(),
            mapped_percent: r.mapped_percent,
            min_percent: r.min_percent,
            cold_findings_left_out: r.cold,
        });
        ScanOutput {
            findings,
            notes,
            skipped: report.skipped,
            stats: report.stats,
            profile,
            root: report.root,
        }
    }

    /// How many files have a finding.
    pub fn files_with_findings(&self) -> usize {
        let mut paths: Vec<&str> = self.findings.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        paths.len()
    }
}

/// One finding a line: `path:line: [skill] message in function`, with the
/// heat in front when the scan was ranked.
pub fn text(report: &ScanOutput) -> String {
    let mut out = String::new();
    for f in &report.findings {
        if let Some(h) = &f.heat {
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
            f.path, f.skill, f.message
        ));
    }
    out
}

/// SARIF 2.1.0: one rule per loaded skill, one result per finding, each with
/// its fix as byte-range replacements.
pub fn sarif(report: &ScanOutput, set: &SkillSet) -> Value {
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
        .findings
        .iter()
        .map(|f| {
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
                    "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
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
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "replacements": replacements,
                    }],
                }],
                "properties": {"tier": f.tier},
            });
            if let Some(i) = rule_index(&f.skill) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(h) = &f.heat {
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

/// One function of the tree with its weight and its findings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HotFunction {
    pub name: String,
    pub path: String,
    pub line: u32,
    pub end_line: u32,
    pub self_percent: f64,
    pub inclusive_percent: f64,
    pub self_weight: u64,
    pub inclusive_weight: u64,
    pub findings: Vec<FindingOut>,
}

/// `wattson hotspots --format json`: the heaviest functions, heaviest
/// first, then the heaviest symbols that could not be placed in the tree.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Hotspots {
    pub unit: String,
    pub total: u64,
    pub mapped_percent: f64,
    /// How many functions of the tree have any weight (`functions` lists the top ones).
    pub mapped_functions: usize,
    pub functions: Vec<HotFunction>,
    /// `{symbol, weight, percent, reason}`: why weight was not placed in the tree.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub unmapped: Vec<UnmappedSymbol>,
}

impl Hotspots {
    /// The `top` heaviest functions of `index` with the findings of `report`
    /// in each, and the `unmapped` heaviest symbols not placed in the tree.
    pub fn new(index: &HotnessIndex, report: &ScanReport, top: usize, unmapped: usize) -> Hotspots {
        let functions = index
            .functions
            .iter()
            .take(top)
            .map(|f| HotFunction {
                name: f.name.clone(),
                path: f.path.clone(),
                line: f.line,
                end_line: f.end_line,
                self_percent: f.self_percent,
                inclusive_percent: f.inclusive_percent,
                self_weight: f.self_weight,
                inclusive_weight: f.inclusive_weight,
                findings: findings_in(index, report, f)
                    .map(|(file, finding)| {
                        let heat = index.heat(&file.path, finding.start_line as u32);
                        FindingOut::new(file, finding, heat.as_ref())
                    })
                    .collect(),
            })
            .collect();
        Hotspots {
            unit: index.unit.clone(),
            total: index.total,
            mapped_percent: index.mapped_percent(),
            mapped_functions: index.functions.len(),
            functions,
            unmapped: index.unmapped.iter().take(unmapped).cloned().collect(),
        }
    }

    /// As text: the heaviest functions with their findings, then the
    /// heaviest symbols that could not be placed in the tree.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{:.1}% of {} {} mapped to {} function(s) of the tree\n\n",
            self.mapped_percent, self.total, self.unit, self.mapped_functions
        );
        out.push_str("  self%  incl%  function\n");
        for f in &self.functions {
            out.push_str(&format!(
                "{:>7.2} {:>6.2}  {}  ({}:{})\n",
                f.self_percent, f.inclusive_percent, f.name, f.path, f.line
            ));
            for finding in &f.findings {
                out.push_str(&format!(
                    "                 {}:{}: [{}] {}\n",
                    finding.path, finding.start_line, finding.skill, finding.message
                ));
            }
        }
        if !self.unmapped.is_empty() {
            out.push_str("\nheaviest weight not placed in the tree:\n");
            for u in &self.unmapped {
                out.push_str(&format!(
                    "{:>7.2}%  {}  ({})\n",
                    u.percent, u.symbol, u.reason
                ));
            }
        }
        out
    }
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
