//! `wattson mcp`: a Model Context Protocol server over stdio, built on the
//! official Rust SDK (`rmcp`). Any MCP client (an IDE agent, a CLI agent, an
//! in-house bot) discovers the skills and drives the same pipeline as the
//! command line: each tool is a thin layer over the library and returns the
//! JSON the matching command prints with `--format json`.
//!
//! Safety, for every call:
//! - every path argument is confined to the repository root (`--repo`): no
//!   `..`, and no symlink that leads out of it;
//! - commands from `.wattson.toml` (build, test, bench) run only in `measure`
//!   and `propose`, and only when the server was started with `--allow-exec`;
//! - the work runs on a blocking thread under a timeout (`--tool-timeout`);
//!   a tool that runs commands or makes worktrees has its processes killed
//!   and its worktrees removed when it times out or is cancelled, and such
//!   tools run one at a time (measurements on a shared machine must not
//!   overlap anyway);
//! - results are capped (`--max-output-bytes`): a longer list or diff is cut,
//!   and the result says what was left out;
//! - bad arguments are JSON-RPC errors (-32602 invalid params) naming the
//!   argument; a tool that needs `--allow-exec` is refused with -32600 and
//!   says how to enable it; a tool that fails or times out while working
//!   returns a result with `isError: true` and the reason.

pub mod args;
mod paths;
mod resources;
pub mod work;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::{schema_for_input, schema_for_output};
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, JsonObject, ListResourceTemplatesResult,
    ListResourcesResult, PaginatedRequestParams, ProgressNotificationParam,
    ReadResourceRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};

use args::*;
use work::Ctx;

/// `wattson mcp`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct McpArgs {
    /// The repository the tools work on; every path argument is confined to it.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,
    /// Let `measure` and `propose` run the build, test and bench commands of `.wattson.toml`.
    #[arg(long)]
    pub allow_exec: bool,
    /// Seconds a tool call may take; past that it is stopped (its commands
    /// killed, its worktrees removed) and answered with an error.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 1800,
        env = "WATTSON_MCP_TOOL_TIMEOUT"
    )]
    pub tool_timeout: u64,
    /// The largest structured result, in bytes: longer lists and diffs are cut, saying so.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_output_bytes: usize,
    /// Load skills from this directory instead of the built-in `rewrites/`.
    #[arg(long, value_name = "DIR", env = "WATTSON_SKILLS_DIR")]
    pub skills_dir: Option<PathBuf>,
}

/// Serve over stdin/stdout until the client closes the connection.
pub fn run(args: McpArgs) -> anyhow::Result<()> {
    let server = Server::new(&args)?;
    // Ctrl-C (or SIGINT from the client) kills the commands wattson started
    // and removes its worktrees before exiting.
    crate::evidence::interrupt::install();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = runtime.block_on(async move {
        let service = server
            .serve(rmcp::transport::stdio_pipes())
            .await
            .map_err(|e| anyhow::anyhow!("starting the MCP session: {e}"))?;
        service
            .waiting()
            .await
            .map_err(|e| anyhow::anyhow!("serving: {e}"))?;
        anyhow::Ok(())
    });
    // Whatever still runs when the client leaves is stopped.
    crate::evidence::interrupt::clean_up();
    runtime.shutdown_timeout(Duration::from_secs(2));
    served
}

/// Why a tool call did not produce its result.
#[derive(Debug)]
pub enum ToolError {
    /// A bad argument: JSON-RPC invalid params.
    Invalid(String),
    /// Refused by the server's settings (`--allow-exec`): JSON-RPC invalid request.
    NotAllowed(String),
    /// The work failed or timed out: a tool result with `isError`.
    Failed(String),
}

impl ToolError {
    pub fn invalid(message: impl Into<String>) -> ToolError {
        ToolError::Invalid(message.into())
    }

    pub fn failed(error: impl Into<anyhow::Error>) -> ToolError {
        ToolError::Failed(format!("{:#}", error.into()))
    }

    pub fn message(&self) -> &str {
        match self {
            ToolError::Invalid(m) | ToolError::NotAllowed(m) | ToolError::Failed(m) => m,
        }
    }

    /// As a JSON-RPC error (for requests other than tool calls).
    pub fn into_error_data(self) -> ErrorData {
        match self {
            ToolError::Invalid(m) => ErrorData::invalid_params(m, None),
            ToolError::NotAllowed(m) => ErrorData::invalid_request(m, None),
            ToolError::Failed(m) => ErrorData::internal_error(m, None),
        }
    }
}

impl From<crate::ops::Error> for ToolError {
    fn from(e: crate::ops::Error) -> ToolError {
        match e {
            crate::ops::Error::Invalid(m) => ToolError::Invalid(m),
            crate::ops::Error::Failed(e) => ToolError::failed(e),
        }
    }
}

/// Progress reports from inside a tool's blocking work, forwarded to the
/// client as `notifications/progress` when it asked for them; and the flag
/// that says the call was abandoned (timed out or cancelled).
#[derive(Clone, Default)]
pub struct Progress {
    tx: Option<mpsc::UnboundedSender<String>>,
    abandoned: Arc<AtomicBool>,
}

impl Progress {
    /// No client listening (the benchmark and in-process callers).
    pub fn none() -> Progress {
        Progress::default()
    }

    /// Whether anyone listens (so work done only to report can be skipped).
    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    pub fn say(&self, message: impl Into<String>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(message.into());
        }
    }
}

impl crate::ops::Progress for Progress {
    fn say(&self, message: &str) {
        Progress::say(self, message);
    }

    fn listening(&self) -> bool {
        self.enabled()
    }

    fn abandoned(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
    }
}

/// What a tool may do, which decides how it is run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Reads the tree and the repository; runs alongside anything.
    Read,
    /// Makes worktrees (and branches or commits): one at a time with `Exec`.
    Git,
    /// Runs the repository's commands: needs `--allow-exec`; one at a time.
    Exec,
}

/// The MCP server: the shared context and the tool router.
#[derive(Clone)]
pub struct Server {
    ctx: Arc<Ctx>,
    allow_exec: bool,
    timeout: Duration,
    max_output: usize,
    /// Held by tools that make worktrees or run commands.
    exclusive: Arc<Mutex<()>>,
    tool_router: ToolRouter<Server>,
}

fn input<T: schemars::JsonSchema + 'static>() -> Arc<JsonObject> {
    schema_for_input::<T>().unwrap_or_else(|e| panic!("the input schema of a tool: {e}"))
}

/// A tool's output schema: generated from the type its `ops` function
/// returns, so it describes exactly what the tool (and the command line's
/// `--format json`) writes.
fn output<T: schemars::JsonSchema + 'static>() -> Arc<JsonObject> {
    schema_for_output::<T>()
}

/// Tool arguments, strictly: a malformed call is an invalid-params error
/// naming the tool and what is wrong.
fn parse<T: DeserializeOwned>(tool: &str, args: JsonObject) -> Result<T, ErrorData> {
    serde_json::from_value(Value::Object(args)).map_err(|e| {
        ErrorData::invalid_params(
            format!("invalid arguments for `{tool}`: {e}"),
            Some(json!({"tool": tool})),
        )
    })
}

impl Server {
    pub fn new(args: &McpArgs) -> anyhow::Result<Server> {
        Ok(Server {
            ctx: Arc::new(Ctx::new(&args.repo, args.skills_dir.clone())?),
            allow_exec: args.allow_exec,
            timeout: Duration::from_secs(args.tool_timeout.max(1)),
            max_output: args.max_output_bytes.max(1024),
            exclusive: Arc::new(Mutex::new(())),
            tool_router: Self::tool_router(),
        })
    }

    /// Tools that make worktrees or run commands go one at a time; waiting
    /// for the one before counts against the timeout.
    async fn exclusive_for(
        &self,
        kind: Kind,
        tool: &str,
        deadline: tokio::time::Instant,
        progress: &Progress,
    ) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>, ToolError> {
        if kind == Kind::Read {
            return Ok(None);
        }
        if let Ok(guard) = self.exclusive.clone().try_lock_owned() {
            return Ok(Some(guard));
        }
        progress.say("waiting for another tool that makes worktrees or runs commands to finish");
        tokio::time::timeout_at(deadline, self.exclusive.clone().lock_owned())
            .await
            .map(Some)
            .map_err(|_| {
                ToolError::Failed(format!(
                    "`{tool}` timed out after {} s (--tool-timeout) waiting for another tool that \
                     makes worktrees or runs commands to finish",
                    self.timeout.as_secs()
                ))
            })
    }

    /// Run `work` on a blocking thread under the timeout, with progress
    /// forwarded to the client, and turn its outcome into a tool result.
    async fn call<F, T>(
        &self,
        ctx: &RequestContext<RoleServer>,
        tool: &'static str,
        kind: Kind,
        work: F,
    ) -> Result<CallToolResult, ErrorData>
    where
        F: FnOnce(&Ctx, &Progress) -> Result<T, ToolError> + Send + 'static,
        T: Serialize,
    {
        self.call_with_notes(ctx, tool, kind, move |c, p| {
            let value = serde_json::to_value(work(c, p)?).map_err(ToolError::failed)?;
            Ok((value, Vec::new()))
        })
        .await
    }

    async fn call_with_notes<F>(
        &self,
        ctx: &RequestContext<RoleServer>,
        tool: &'static str,
        kind: Kind,
        work: F,
    ) -> Result<CallToolResult, ErrorData>
    where
        F: FnOnce(&Ctx, &Progress) -> Result<(Value, Vec<String>), ToolError> + Send + 'static,
    {
        if kind == Kind::Exec && !self.allow_exec {
            return Err(ErrorData::invalid_request(
                format!(
                    "`{tool}` runs the build, test and bench commands of .wattson.toml, which this \
                     server may not do: start it with `wattson mcp --allow-exec` to allow it"
                ),
                Some(json!({"tool": tool, "needs": "--allow-exec"})),
            ));
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut progress = Progress::default();
        let forwarder = ctx.meta.get_progress_token().map(|token| {
            let (tx, rx) = mpsc::unbounded_channel();
            progress.tx = Some(tx);
            tokio::spawn(forward_progress(ctx.peer.clone(), token, rx))
        });
        let abandoned = progress.abandoned.clone();
        let outcome = async {
            let guard = self.exclusive_for(kind, tool, deadline, &progress).await?;
            let shared = self.ctx.clone();
            let p = progress.clone();
            let mut handle = tokio::task::spawn_blocking(move || work(&shared, &p));
            let stopped = tokio::select! {
                joined = &mut handle => {
                    return match joined {
                        Ok(result) => result,
                        Err(e) => Err(ToolError::Failed(format!("`{tool}` failed: {e}"))),
                    };
                }
                _ = tokio::time::sleep_until(deadline) => {
                    format!("`{tool}` timed out after {} s (--tool-timeout)", self.timeout.as_secs())
                }
                _ = ctx.ct.cancelled() => format!("`{tool}` was cancelled"),
            };
            abandoned.store(true, Ordering::SeqCst);
            let mut message = stopped;
            if kind != Kind::Read {
                // Kill the commands it started and remove its worktrees; the
                // next such tool waits until this one has really ended.
                crate::evidence::interrupt::clean_up();
                tokio::spawn(async move {
                    let _ = handle.await;
                    drop(guard);
                });
                message.push_str(
                    "; its commands were stopped and its worktrees removed, the repository is as it was",
                );
            }
            Err(ToolError::Failed(message))
        }
        .await;
        if let Some(f) = forwarder {
            f.abort();
        }
        match outcome {
            Ok((value, notes)) => {
                let value = cap(value, self.max_output);
                let mut result = CallToolResult::structured(value);
                result.content.extend(
                    notes
                        .into_iter()
                        .map(|n| ContentBlock::text(format!("warning: {n}"))),
                );
                Ok(result)
            }
            Err(ToolError::Failed(m)) => Ok(CallToolResult::error(vec![ContentBlock::text(m)])),
            Err(e) => Err(e.into_error_data()),
        }
    }
}

/// Forward progress messages as notifications, with a heartbeat while the
/// work is silent so a client knows a long build is still alive.
async fn forward_progress(
    peer: rmcp::Peer<RoleServer>,
    token: rmcp::model::ProgressToken,
    mut rx: mpsc::UnboundedReceiver<String>,
) {
    let started = tokio::time::Instant::now();
    let mut step = 0u32;
    let mut last = String::from("working");
    let mut beat = tokio::time::interval(Duration::from_secs(5));
    beat.tick().await;
    loop {
        let message = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => { last = m.clone(); m }
                None => break,
            },
            _ = beat.tick() => format!("{last} ({} s)", started.elapsed().as_secs()),
        };
        step += 1;
        let _ = peer
            .notify_progress(
                ProgressNotificationParam::new(token.clone(), step as f64).with_message(message),
            )
            .await;
    }
}

/// Cut a result to `max` bytes of JSON: the largest top-level list (or
/// string) is shortened until it fits, and `truncated` says what was cut.
pub fn cap(mut value: Value, max: usize) -> Value {
    let size = |v: &Value| serde_json::to_vec(v).map(|b| b.len()).unwrap_or(0);
    let mut notes = Vec::new();
    for _ in 0..4 {
        let total = size(&value);
        if total <= max {
            break;
        }
        let Some(obj) = value.as_object_mut() else {
            break;
        };
        let Some((key, field_size)) = obj
            .iter()
            .filter(|(_, v)| v.is_array() || v.is_string())
            .map(|(k, v)| (k.clone(), size(v)))
            .max_by_key(|(_, s)| *s)
        else {
            break;
        };
        // Room for the field once the rest and the note are counted.
        let room = max.saturating_sub(total - field_size + 256);
        match obj.get_mut(&key) {
            Some(Value::Array(items)) => {
                let total_items = items.len();
                let mut used = 2;
                let mut kept = 0;
                for item in items.iter() {
                    let s = size(item) + 1;
                    if used + s > room {
                        break;
                    }
                    used += s;
                    kept += 1;
                }
                if kept == total_items {
                    break;
                }
                items.truncate(kept);
                notes.push(json!({"field": key, "total": total_items, "kept": kept}));
            }
            Some(Value::String(s)) => {
                let mut cut = room.min(s.len());
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                let total_bytes = s.len();
                s.truncate(cut);
                notes.push(json!({"field": key, "total_bytes": total_bytes, "kept_bytes": cut}));
            }
            _ => break,
        }
    }
    if !notes.is_empty() {
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "truncated".into(),
                json!({"max_output_bytes": max, "cut": notes}),
            );
        }
    }
    value
}

#[tool_router]
impl Server {
    #[tool(
        description = "List wattson's rewrite skills: id, language, tier (auto: the guards prove the rewrite; review: needs judgement), title and why it is faster. Same as `wattson skills list --format json`.",
        input_schema = input::<ListSkillsArgs>(),
        output_schema = output::<crate::ops::skills::SkillList>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_skills(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: ListSkillsArgs = parse("list_skills", args)?;
        self.call(&ctx, "list_skills", Kind::Read, move |c, _| {
            work::list_skills(c, a)
        })
        .await
    }

    #[tool(
        description = "Explain one skill: why the rewrite is faster, its tree-sitter query, the named safety guards that must hold, the edit, its before/after examples and the look-alikes it must leave alone.",
        input_schema = input::<ExplainSkillArgs>(),
        output_schema = output::<crate::ops::skills::SkillExplanation>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn explain_skill(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: ExplainSkillArgs = parse("explain_skill", args)?;
        self.call(&ctx, "explain_skill", Kind::Read, move |c, _| {
            work::explain_skill(c, a)
        })
        .await
    }

    #[tool(
        description = "Scan C++ and Rust code for the places a skill applies. With a profile, findings are ranked by the weight of their code and cold ones left out. Same JSON as `wattson scan PATH --format json [--profile FILE]`.",
        input_schema = input::<ScanArgs>(),
        output_schema = output::<crate::report::ScanOutput>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn scan(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: ScanArgs = parse("scan", args)?;
        self.call(&ctx, "scan", Kind::Read, move |c, p| work::scan(c, a, p))
            .await
    }

    #[tool(
        description = "The heaviest functions of a profile joined to the tree, each with its findings. Same JSON as `wattson hotspots PATH --profile FILE --format json`.",
        input_schema = input::<HotspotsArgs>(),
        output_schema = output::<crate::report::Hotspots>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn hotspots(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: HotspotsArgs = parse("hotspots", args)?;
        self.call(&ctx, "hotspots", Kind::Read, move |c, p| {
            work::hotspots(c, a, p)
        })
        .await
    }

    #[tool(
        description = "Preview the safe rewrites of a file or directory (optionally only some skills') as a unified diff; nothing is written. `diff` is what `wattson fix PATH` prints.",
        input_schema = input::<FixArgs>(),
        output_schema = output::<crate::ops::scan::FixOutput>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn preview_fix(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: FixArgs = parse("preview_fix", args)?;
        self.call(&ctx, "preview_fix", Kind::Read, move |c, _| {
            work::preview_fix(c, a)
        })
        .await
    }

    #[tool(
        description = "Apply the safe rewrites of a file or directory to the committed code (HEAD) in a fresh git worktree, and commit them on a new branch; the user's working tree, index and HEAD are never touched. Returns the branch and commit (measure it with `measure`).",
        input_schema = input::<ApplyFixArgs>(),
        output_schema = output::<crate::ops::scan::BranchFix>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false)
    )]
    async fn apply_fix(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: ApplyFixArgs = parse("apply_fix", args)?;
        self.call(&ctx, "apply_fix", Kind::Git, move |c, p| {
            work::apply_fix(c, a, p)
        })
        .await
    }

    #[tool(
        description = "Measure a change: check out base and head as worktrees, build both, test the head, run the benchmark of .wattson.toml interleaved, and judge (Mann-Whitney, Hodges-Lehmann interval). Same JSON as `wattson bench --format json`. Needs the server started with --allow-exec.",
        input_schema = input::<MeasureArgs>(),
        output_schema = output::<crate::evidence::ab::Evidence>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn measure(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: MeasureArgs = parse("measure", args)?;
        self.call(&ctx, "measure", Kind::Exec, move |c, p| {
            work::measure(c, a, p)
        })
        .await
    }

    #[tool(
        description = "Find change points (regressions and improvements) in a performance feed, ordered by the repository's history. Same JSON as `wattson detect --feed FILE --repo ROOT --format json`.",
        input_schema = input::<DetectArgs>(),
        output_schema = output::<crate::ops::defense::ChangePoints>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn detect(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: DetectArgs = parse("detect", args)?;
        self.call_with_notes(&ctx, "detect", Kind::Read, move |c, p| {
            let found = work::detect(c, a, p)?;
            let value = serde_json::to_value(&found).map_err(ToolError::failed)?;
            Ok((value, found.warnings))
        })
        .await
    }

    #[tool(
        description = "Rank the commits in good..bad by how likely each caused a regression, with the reasons (functions touched, their heat and growth between profiles taken before and after). Same JSON as `wattson attribute --format json`.",
        input_schema = input::<AttributeArgs>(),
        output_schema = output::<crate::ops::defense::Attribution>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn attribute(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: AttributeArgs = parse("attribute", args)?;
        let kind = if a.profile_before.is_some() || a.profile_after.is_some() {
            Kind::Git
        } else {
            Kind::Read
        };
        self.call(&ctx, "attribute", kind, move |c, p| {
            work::attribute(c, a, p)
        })
        .await
    }

    #[tool(
        description = "Build the revert of a commit on top of HEAD, in memory: returns the revert commit's id (referenced by no branch; measure it with `measure`) or the paths that conflict. Nothing in the working tree, the index or any branch moves.",
        input_schema = input::<PrepareRevertArgs>(),
        output_schema = output::<crate::ops::defense::PreparedRevert>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn prepare_revert(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: PrepareRevertArgs = parse("prepare_revert", args)?;
        self.call(&ctx, "prepare_revert", Kind::Read, move |c, _| {
            work::prepare_revert(c, a)
        })
        .await
    }

    #[tool(
        description = "The whole ladder to the local forge: scan (ranked by a profile if given), rewrite, build, test, measure, and publish each survivor as a branch `wattson/<skill>/<fingerprint>` with a description; or, with a feed, detect regressions, attribute them, and propose measured reverts. Same JSON as `wattson propose --format json`. Needs --allow-exec.",
        input_schema = input::<ProposeArgs>(),
        output_schema = output::<crate::pipeline::ProposeReport>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn propose(
        &self,
        ctx: RequestContext<RoleServer>,
        args: JsonObject,
    ) -> Result<CallToolResult, ErrorData> {
        let a: ProposeArgs = parse("propose", args)?;
        self.call(&ctx, "propose", Kind::Exec, move |c, p| {
            work::propose(c, a, p)
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("wattson", env!("CARGO_PKG_VERSION"))
                .with_title("wattson: performance rewrite skills for C++ and Rust"),
        )
        .with_instructions(format!(
            "wattson finds and proves performance rewrites in the C++ and Rust code of {}. \
             Read the skills (resources wattson://skills/<id>, or list_skills / explain_skill), \
             find work with scan (give a profile to rank it by cost) or hotspots, look at \
             preview_fix, then apply_fix (a new branch, never the user's checkout) and measure it \
             against HEAD. detect, attribute and prepare_revert handle regressions; propose runs \
             the whole ladder. Paths are relative to the repository root. measure and propose {}.",
            self.ctx.root.display(),
            if self.allow_exec {
                "may run the repository's build, test and bench commands"
            } else {
                "are disabled: the server was started without --allow-exec"
            }
        ))
    }

    fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, ErrorData>> + Send + '_ {
        std::future::ready(resources::list(&self.ctx))
    }

    fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, ErrorData>> + Send + '_ {
        std::future::ready(Ok(resources::templates()))
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<rmcp::model::ReadResourceResponse, ErrorData>> + Send + '_
    {
        std::future::ready(resources::read(&self.ctx, &request.uri).map(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_the_largest_list_and_says_so() {
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"n": i, "pad": "x".repeat(50)}))
            .collect();
        let v = json!({"findings": items, "stats": {"files": 3}});
        let capped = cap(v.clone(), 10_000);
        assert!(serde_json::to_vec(&capped).unwrap().len() <= 10_000);
        let kept = capped["findings"].as_array().unwrap().len();
        assert!(kept > 50 && kept < 1000, "{kept}");
        assert_eq!(capped["truncated"]["cut"][0]["total"], 1000);
        assert_eq!(capped["stats"]["files"], 3);
        assert_eq!(cap(v.clone(), 1 << 20), v, "small results are untouched");
        let diff = json!({"diff": "é".repeat(10_000), "edits": 3});
        let capped = cap(diff, 4096);
        assert!(capped["diff"].as_str().unwrap().len() < 4096);
        assert_eq!(capped["truncated"]["cut"][0]["field"], "diff");
    }
}
