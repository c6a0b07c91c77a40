//! hyperfine's `--export-json` output.

use super::*;

pub(super) const HYPERFINE_EXPECTED: &str = "the JSON of --export-json, with a `results` array";

pub(super) fn hyperfine(input: &JsonInput<'_>) -> Result<Vec<Measurement>, FormatError> {
    let doc = input.document("results", HYPERFINE_EXPECTED)?;
    let cx = input.cx();
    let results = cx.array(cx.require(&doc, "", "results")?, "results")?;
    let mut found = Vec::with_capacity(results.len());
    for (i, result) in results.iter().enumerate() {
        let path = format!("results[{i}]");
        let name = cx.string(
            cx.require(result, &path, "command")?,
            &join(&path, "command"),
        )?;
        let value = match (
            cx.get(result, &path, "median")?,
            cx.get(result, &path, "mean")?,
        ) {
            (Some(v), _) => cx.number(v, &join(&path, "median"))?,
            (None, Some(v)) => cx.number(v, &join(&path, "mean"))?,
            (None, None) => {
                return Err(cx.error(
                    &join(&path, "median"),
                    format!("is missing, and so is `{}`", join(&path, "mean")),
                ))
            }
        };
        found.push(Measurement {
            name: name.to_owned(),
            unit: "s".to_owned(),
            value,
        });
    }
    finish(input.format, &input.origin, found, HYPERFINE_EXPECTED)
}
