//! Google Benchmark's `--benchmark_format=json` output.

use super::*;

pub(super) const GOOGLE_EXPECTED: &str =
    "the JSON of --benchmark_format=json or --benchmark_out_format=json, with a `benchmarks` array";

/// The runs of one benchmark, gathered before choosing its value.
pub(super) struct GoogleRuns {
    pub(super) unit: String,
    pub(super) iterations: Vec<f64>,
    pub(super) median: Option<f64>,
    pub(super) mean: Option<f64>,
}

pub(super) fn google_benchmark(input: &JsonInput<'_>) -> Result<Vec<Measurement>, FormatError> {
    let format = input.format;
    let doc = input.document("benchmarks", GOOGLE_EXPECTED)?;
    let cx = input.cx();
    let entries = cx.array(cx.require(&doc, "", "benchmarks")?, "benchmarks")?;
    let mut runs: BTreeMap<String, GoogleRuns> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("benchmarks[{i}]");
        // Repetitions and aggregates share `run_name`; versions before 1.5 only have `name`.
        let name = match cx.get(entry, &path, "run_name")? {
            Some(v) => cx.string(v, &join(&path, "run_name"))?,
            None => cx.string(cx.require(entry, &path, "name")?, &join(&path, "name"))?,
        };
        if cx.flag(entry, &path, "error_occurred")? {
            let message = match cx.get(entry, &path, "error_message")? {
                Some(v) => cx.string(v, &join(&path, "error_message"))?,
                None => "(no message)",
            };
            return Err(FormatError::BenchmarkFailed {
                format,
                origin: input.origin.clone(),
                name: name.to_owned(),
                message: message.to_owned(),
            });
        }
        // `SkipWithMessage` (1.8+) marks a run the benchmark chose not to do: not a result.
        if cx.flag(entry, &path, "skipped")? {
            continue;
        }
        let run_type = match cx.get(entry, &path, "run_type")? {
            Some(v) => cx.string(v, &join(&path, "run_type"))?,
            None => "iteration",
        };
        let aggregate = match run_type {
            "iteration" => None,
            "aggregate" => {
                let key = "aggregate_name";
                match cx.string(cx.require(entry, &path, key)?, &join(&path, key))? {
                    a @ ("median" | "mean") => Some(a),
                    // stddev, cv, BigO, RMS and user statistics are not times to compare.
                    _ => continue,
                }
            }
            other => {
                return Err(cx.error(
                    &join(&path, "run_type"),
                    format!("is `{other}`, expected `iteration` or `aggregate`"),
                ))
            }
        };
        let value = cx.number(
            cx.require(entry, &path, "real_time")?,
            &join(&path, "real_time"),
        )?;
        let unit_path = join(&path, "time_unit");
        let unit = cx.string(cx.require(entry, &path, "time_unit")?, &unit_path)?;
        let runs = runs.entry(name.to_owned()).or_insert_with(|| GoogleRuns {
            unit: unit.to_owned(),
            iterations: Vec::new(),
            median: None,
            mean: None,
        });
        if runs.unit != unit {
            return Err(cx.error(
                &unit_path,
                format!(
                    "is `{unit}`, but other runs of `{name}` are in `{}`",
                    runs.unit
                ),
            ));
        }
        match aggregate {
            None => runs.iterations.push(value),
            Some("median") => runs.median = Some(value),
            Some(_) => runs.mean = Some(value),
        }
    }
    // Per benchmark: the median of its iteration runs; only when it has none
    // (--benchmark_report_aggregates_only), its median aggregate, else its mean aggregate.
    let found = runs
        .into_iter()
        .filter_map(|(name, runs)| {
            let value = if runs.iterations.is_empty() {
                runs.median.or(runs.mean)?
            } else {
                median(&runs.iterations)
            };
            Some(Measurement {
                name,
                unit: runs.unit,
                value,
            })
        })
        .collect();
    finish(format, &input.origin, found, GOOGLE_EXPECTED)
}
