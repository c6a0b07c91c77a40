//! The step's inputs: flags that also read the `INPUT_*` variables `action.yml` sets.

use super::*;

/// What the step does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Find the places where a skill applies; write SARIF and a summary.
    #[default]
    Scan,
    /// Rewrite, verify, measure, and open a pull request for each change that is faster.
    Propose,
    /// Find regressions in a benchmark feed and open a pull request reverting each culprit.
    Defend,
}

/// When the step fails (exit status 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Never for what was found (errors still fail the step).
    #[default]
    None,
    /// When there are findings (scan), candidate changes (propose) or regressions (defend).
    Findings,
    /// When the feed has a regression (defend only).
    Regressions,
}

/// The step's inputs. Each flag also reads the `INPUT_*` variable that
/// `action.yml` sets from the input of the same name. An input left unset
/// arrives as an empty variable, which counts as absent (clap's own parsers
/// would refuse it), hence the value parsers below.
#[derive(clap::Args)]
pub struct ActionArgs {
    /// What to do.
    #[arg(long, env = "INPUT_MODE", default_value = "scan", value_parser = OrDefault::<Mode>::new())]
    pub mode: Mode,
    /// The checkout to work on (a directory inside it limits the scan to it).
    #[arg(long, value_name = "DIR", env = "INPUT_PATH", default_value = ".", value_parser = path_parser())]
    pub path: PathBuf,
    /// A profile of the code (folded stacks, `perf script`, callgrind, pprof)
    /// to rank findings by (default: `hotness.profile` from `.wattson.toml`,
    /// relative to the repository's root).
    #[arg(long, value_name = "FILE", env = "INPUT_PROFILE", value_parser = path_parser())]
    pub profile: Option<PathBuf>,
    /// The benchmark results to watch for regressions (needed by `defend`):
    /// JSON Lines, CSV, github-action-benchmark's data.js or Apache Otava's CSV,
    /// in a file or on a branch (`git:gh-pages:dev/bench/data.js`, fetched if
    /// the checkout lacks the branch).
    #[arg(long, value_name = "FEED", env = "INPUT_FEED", value_parser = path_parser())]
    pub feed: Option<PathBuf>,
    /// A GitHub token that may push branches and open pull requests (needed
    /// by `propose` and `defend`; default: the GITHUB_TOKEN variable).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "INPUT_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Where `scan` writes its SARIF.
    #[arg(long, value_name = "FILE", env = "INPUT_SARIF", default_value = "wattson.sarif", value_parser = path_parser())]
    pub sarif: PathBuf,
    /// When to fail the step.
    #[arg(long, env = "INPUT_FAIL_ON", default_value = "none", value_parser = OrDefault::<FailOn>::new())]
    pub fail_on: FailOn,
    /// The REST API root (GitHub Enterprise Server: `https://HOST/api/v3`).
    #[arg(long, value_name = "URL", env = "GITHUB_API_URL", default_value = GITHUB_API_URL)]
    pub github_api_url: String,
    /// The repository, as `owner/name` (default: from the event payload).
    #[arg(long, value_name = "OWNER/NAME", env = "GITHUB_REPOSITORY")]
    pub repository: Option<String>,
}

/// A path that may be empty (clap's `PathBuf` parser refuses empty values).
fn path_parser() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

/// One of an enum's values, or its default for an empty value.
#[derive(Clone)]
pub struct OrDefault<E>(std::marker::PhantomData<E>);

impl<E> OrDefault<E> {
    pub fn new() -> Self {
        OrDefault(std::marker::PhantomData)
    }
}

impl<E> Default for OrDefault<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> clap::builder::TypedValueParser for OrDefault<E>
where
    E: clap::ValueEnum + Default + Clone + Send + Sync + 'static,
{
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<E, clap::Error> {
        if value.is_empty() {
            return Ok(E::default());
        }
        clap::builder::EnumValueParser::<E>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(clap::ValueEnum::to_possible_value),
        ))
    }
}

/// By hand, so that the token never reaches a log.
impl std::fmt::Debug for ActionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionArgs")
            .field("mode", &self.mode)
            .field("path", &self.path)
            .field("profile", &self.profile)
            .field("feed", &self.feed)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("sarif", &self.sarif)
            .field("fail_on", &self.fail_on)
            .field("github_api_url", &self.github_api_url)
            .field("repository", &self.repository)
            .finish()
    }
}
