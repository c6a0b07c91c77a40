//! Apache Otava's wide CSV: a time column, attribute columns, one column per metric.

use super::*;

/// Accepted names of the time column, Otava's default first.
pub(super) const OTAVA_TIME_COLUMNS: [&str; 3] = ["time", "timestamp", "date"];
pub(super) const OTAVA_ATTRIBUTES: [&str; 4] = ["commit", "branch", "version", "run"];

pub(super) fn parse_otava(
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<RawPoint>, FeedError> {
    let mut reader = CsvReader::new(text);
    let header = match reader.next_record() {
        Some(header) => header?,
        None => return Ok(Vec::new()),
    };
    let names = header_names(&header)?;
    let time_at = OTAVA_TIME_COLUMNS
        .iter()
        .find_map(|wanted| column_of(&names, wanted))
        .ok_or_else(|| {
            parse_error(
                header.line,
                None,
                Some("time"),
                "the header has no time column (`time`, `timestamp` or `date`)",
            )
        })?;
    let commit_at = column_of(&names, "commit").ok_or_else(|| {
        parse_error(
            header.line,
            None,
            Some("commit"),
            "the header has no `commit` column (Otava's attribute for the commit id)",
        )
    })?;
    let branch_at = column_of(&names, "branch");
    let records = data_records(&mut reader, names.len())?;

    let metrics: Vec<usize> = (0..names.len())
        .filter(|&at| at != time_at)
        .filter(|&at| {
            !OTAVA_ATTRIBUTES
                .iter()
                .any(|a| names[at].eq_ignore_ascii_case(a))
        })
        .filter(|&at| {
            records
                .iter()
                .map(|record| record.fields[at].text.trim())
                .find(|cell| !cell.is_empty())
                .is_some_and(|cell| cell.parse::<f64>().is_ok())
        })
        .collect();
    if metrics.is_empty() && !records.is_empty() {
        return Err(parse_error(
            header.line,
            None,
            None,
            "no column holds numbers, so there is no metric to read",
        ));
    }

    let mut branches = BTreeSet::new();
    let mut points = Vec::new();
    for record in &records {
        let time_field = &record.fields[time_at];
        let time = parse_otava_time(&time_field.text)
            .map_err(|m| field_error(time_field, &names[time_at], m))?;
        let commit_field = &record.fields[commit_at];
        let commit = commit_field.text.trim();
        if commit.is_empty() {
            return Err(field_error(commit_field, &names[commit_at], "empty"));
        }
        if let Some(at) = branch_at {
            branches.insert(record.fields[at].text.trim().to_string());
        }
        for &at in &metrics {
            let field = &record.fields[at];
            // A metric added later leaves earlier rows empty: no point, not an error.
            if field.text.trim().is_empty() {
                continue;
            }
            let value = parse_number(&field.text).map_err(|m| field_error(field, &names[at], m))?;
            points.push(RawPoint {
                series: names[at].clone(),
                commit: commit.to_string(),
                value,
                time: Some(time),
                unit: None,
                direction: None,
                origin: format!("line {}", record.line),
            });
        }
    }
    if branches.len() > 1 {
        let list: Vec<String> = branches.iter().map(|b| format!("`{b}`")).collect();
        warnings.push(format!(
            "the Otava CSV has rows from {} branches ({}); Otava itself refuses to mix them \
             without --branch, here they are read as one history",
            branches.len(),
            list.join(", ")
        ));
    }
    Ok(points)
}
