//! The evidence as a pull request shows it (a markdown table) and as
//! programs read it (JSON).

use serde_json::Value;

use super::ab::{show_p, show_value, Evidence, Step, StepStatus};
use super::formats::BenchFormat;
use super::stats::{Method, SPREAD_FACTOR};

/// `{"verdict", "build", "tests", "benchmarks": [{"name", "unit", "base",
/// "head", "change_percent", "ci_low", "ci_high", "p_value", "verdict", …}], …}`
pub fn json(ev: &Evidence) -> Value {
    serde_json::to_value(ev).unwrap_or(Value::Null)
}

/// A markdown table fit for a pull-request body, then build and test status,
/// the method, the machine and the command line.
pub fn markdown(ev: &Evidence) -> String {
    let mut out = String::new();
    if !ev.benchmarks.is_empty() {
        let confidence = "CI";
        out.push_str(&format!(
            "| benchmark | base | patched | change | {confidence} | p | verdict |\n|---|---:|---:|---:|---|---:|---|\n"
        ));
        for b in &ev.benchmarks {
            out.push_str(&format!(
                "| {} | {} | {} | {:+.2}% | [{:+.2}%, {:+.2}%] | {} | **{}** |\n",
                b.name,
                show_value(b.base, &b.unit),
                show_value(b.head, &b.unit),
                b.change_percent,
                b.ci_low,
                b.ci_high,
                show_p(b.p_value),
                serde_json::to_value(b.verdict)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "Verdict: **{}**. Build: {} · Tests: {}\n\n",
        ev.verdict,
        step(&ev.build),
        step(&ev.tests)
    ));
    let method = match ev.bench_format {
        BenchFormat::Callgrind => "instructions counted by callgrind".to_string(),
        BenchFormat::Wall => "wall time of the bench command".to_string(),
        BenchFormat::Cpu => "CPU time (user + system) of the bench command".to_string(),
        other => format!(
            "{} output",
            serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
    };
    out.push_str(&format!(
        "Measured: {method}; {} run(s) per side, base and patched interleaved, after {} warm-up round(s). \
         Change is the difference of medians; {}.\n\n",
        ev.runs,
        ev.warmup,
        judged(ev)
    ));
    out.push_str(&format!(
        "Machine: {} {}, {} CPUs, kernel {}. Base `{}`, patched `{}`.\n\n",
        ev.machine.os,
        ev.machine.arch,
        ev.machine.cpus,
        ev.machine.kernel,
        short(&ev.base_commit),
        short(&ev.head_commit)
    ));
    out.push_str(&format!("Command: `{}`\n", ev.command_line));
    if !ev.build.ok() || !ev.tests.ok() {
        let failed = if ev.build.ok() { &ev.tests } else { &ev.build };
        out.push_str(&format!(
            "\n<details><summary>Output</summary>\n\n```\n{}\n```\n\n</details>\n",
            failed.log_tail
        ));
    }
    out
}

/// How the verdicts were reached, for the method line: ranks for runs
/// that vary; exact and nearly exact runs say so, with the benchmarks they
/// apply to when not all.
fn judged(ev: &Evidence) -> String {
    let all = ev.benchmarks.len();
    let with = |m: Method| -> Vec<&str> {
        ev.benchmarks
            .iter()
            .filter(|b| b.method == m)
            .map(|b| b.name.as_str())
            .collect()
    };
    let which = |names: &[&str]| {
        if names.len() == all {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        }
    };
    let mut parts = Vec::new();
    let rank = with(Method::Rank);
    if !rank.is_empty() || all == 0 {
        parts.push(format!(
            "the interval is Hodges–Lehmann, the p-value Mann–Whitney U{}",
            which(&rank)
        ));
    }
    let exact = with(Method::Exact);
    if !exact.is_empty() {
        parts.push(format!(
            "exactly repeatable runs{}: the difference is the change, with no noise to test it against",
            which(&exact)
        ));
    }
    let spread = with(Method::Spread);
    if !spread.is_empty() {
        parts.push(format!(
            "nearly exact runs{}: the difference is at least {}x the spread of the runs, too few \
             runs for a rank test, so the change is tested against that spread (Welch's t-test \
             and interval)",
            which(&spread),
            SPREAD_FACTOR
        ));
    }
    parts.join("; ")
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

fn step(s: &Step) -> String {
    let cmd = s.command.as_deref().unwrap_or("");
    match s.status {
        StepStatus::Skipped => "not configured".into(),
        StepStatus::Passed => format!("passed (`{cmd}`, {:.1} s)", s.seconds),
        StepStatus::TimedOut => format!("**timed out** (`{cmd}`)"),
        StepStatus::Failed if !s.failing_tests.is_empty() => {
            format!("**failed** (`{cmd}`): {}", s.failing_tests.join(", "))
        }
        StepStatus::Failed => format!("**failed** (`{cmd}`)"),
    }
}
