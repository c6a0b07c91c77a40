//! What a tool call through `wattson mcp` costs beyond its work: the same
//! work called in process (the library, as the server's tools call it)
//! against a round trip through a real MCP client over the server's stdin
//! and stdout, median of many calls; and the command line's equivalent (a
//! process a call, loading the skills every time) for scale.
//!
//! `cargo bench --bench mcp` (release build). Target: under 10 ms per call
//! beyond the work.

use std::path::Path;
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::ServiceExt;
use serde_json::{json, Value};
use wattson::app::mcp::args::{ListSkillsArgs, ScanArgs};
use wattson::app::mcp::work::{self, Ctx};
use wattson::app::mcp::Progress;

const CALLS: usize = 300;
const CLI_CALLS: usize = 30;

fn median_and_p90(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
    )
}

fn time(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..5 {
        f();
    }
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

async fn time_async<F, Fut>(n: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..5 {
        f().await;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        out.push(t.elapsed());
    }
    out
}

fn tiny_tree(dir: &Path) {
    std::fs::write(
        dir.join("tiny.cpp"),
        "#include <string>\n#include <vector>\n\
         int f(const std::string& s) { return s.find(\"x\"); }\n\
         std::vector<int> g(int n) { std::vector<int> v; for (int i = 0; i < n; ++i) v.push_back(i); return v; }\n",
    )
    .unwrap();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    tiny_tree(dir.path());
    let bin = env!("CARGO_BIN_EXE_wattson");

    // In process: the tools' own functions, skills already loaded.
    let ctx = Ctx::new(dir.path(), None).unwrap();
    let none = Progress::none();
    let direct_list = time(CALLS, || {
        work::list_skills(&ctx, ListSkillsArgs::default()).unwrap();
    });
    let direct_scan = time(CALLS, || {
        let a = ScanArgs {
            path: Some("tiny.cpp".into()),
            ..Default::default()
        };
        let v = work::scan(&ctx, a, &none).unwrap();
        assert_eq!(v.findings.len(), 2);
    });

    // Through MCP: a real client over the server's stdio.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (mcp_list, mcp_scan, started) = runtime.block_on(async {
        let t = Instant::now();
        let mut cmd = tokio::process::Command::new(bin);
        cmd.arg("mcp").arg("--repo").arg(dir.path());
        let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
        let client = ().serve(transport).await.unwrap();
        let started = t.elapsed();
        let call = |tool: &'static str, a: Value| {
            let peer = client.peer().clone();
            async move {
                let Value::Object(a) = a else { unreachable!() };
                let r = peer
                    .call_tool(CallToolRequestParams::new(tool).with_arguments(a))
                    .await
                    .unwrap();
                assert_ne!(r.is_error, Some(true), "{r:?}");
                r.structured_content.unwrap()
            }
        };
        let list = time_async(CALLS, || async {
            call("list_skills", json!({})).await;
        })
        .await;
        let scan = time_async(CALLS, || async {
            let v = call("scan", json!({"path": "tiny.cpp"})).await;
            assert_eq!(v["findings"].as_array().unwrap().len(), 2);
        })
        .await;
        client.cancel().await.unwrap();
        (list, scan, started)
    });

    // The command line: one process a call.
    let cli = |a: &[&str]| {
        time(CLI_CALLS, || {
            let out = std::process::Command::new(bin)
                .args(a)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success());
        })
    };
    let cli_list = cli(&["skills", "list", "--format", "json"]);
    let cli_scan = cli(&["scan", "tiny.cpp", "--format", "json"]);

    println!(
        "wattson mcp: tool-call overhead, median (p90) of {CALLS} calls; CLI of {CLI_CALLS} runs"
    );
    println!(
        "server start + handshake: {:.1} ms",
        started.as_secs_f64() * 1e3
    );
    println!(
        "| tool | in process | through MCP | overhead | CLI process |\n|---|---:|---:|---:|---:|"
    );
    let mut worst: f64 = 0.0;
    for (name, direct, mcp, cli) in [
        ("list_skills", direct_list, mcp_list, cli_list),
        ("scan (one small file)", direct_scan, mcp_scan, cli_scan),
    ] {
        let (d, dp) = median_and_p90(direct);
        let (m, mp) = median_and_p90(mcp);
        let (c, cp) = median_and_p90(cli);
        worst = worst.max(m - d);
        println!(
            "| {name} | {d:.2} ms ({dp:.2}) | {m:.2} ms ({mp:.2}) | {:.2} ms | {c:.1} ms ({cp:.1}) |",
            m - d
        );
    }
    println!(
        "overhead beyond the work: {worst:.2} ms per call (target < 10 ms): {}",
        if worst < 10.0 { "met" } else { "NOT met" }
    );
}
