//! The evidence as a pull request shows it (a markdown table) and as
//! programs read it (JSON).

use serde_json::Value;

use super::ab::{show_value, Evidence, Step, StepStatus};
use super::formats::BenchFormat;

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
        BenchFormat::Callgrind => {
            "instructions counted by callgrind (exactly repeatable)".to_string()
        }
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
         Change is the difference of medians; the interval is Hodges–Lehmann, the p-value Mann–Whitney U.\n\n",
        ev.runs, ev.warmup
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

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

fn show_p(p: f64) -> String {
    if p == 0.0 {
        "0".into()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
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
