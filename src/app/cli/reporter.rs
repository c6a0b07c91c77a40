//! How the command line (and the Action, which runs under it) shows what the
//! library logs: every `tracing` event of wattson's own code as one
//! `wattson: …` line on stderr (`wattson: warning: …` for warnings), the
//! finer commentary (each build and run) included unless `--quiet`, which
//! keeps warnings only. The server (`serve`) installs its own subscriber,
//! with times and levels, for its log.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// `wattson: message`, as the command line has always written.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = *event.metadata().level();
        let tag = if level == Level::ERROR {
            "error: "
        } else if level == Level::WARN {
            "warning: "
        } else {
            ""
        };
        write!(writer, "wattson: {tag}")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Show wattson's log on stderr; `quiet` keeps warnings and errors only.
/// Does nothing if a subscriber is already installed (tests in one process).
pub fn init(quiet: bool) {
    let level = if quiet { "warn" } else { "debug" };
    let _ = tracing_subscriber::fmt()
        .event_format(Plain)
        .with_env_filter(EnvFilter::new(format!("wattson={level}")))
        .with_writer(std::io::stderr)
        .try_init();
}
