//! From raw points to series: several values for one commit kept together and summarized by their
//! median, points ordered by the repository's first-parent history, else by time, else as the file
//! has them.

use super::*;

/// The first-parent history of HEAD, oldest first, with a sorted index for abbreviated ids.
pub(super) struct History {
    pub(super) ids: Vec<String>,
    pub(super) sorted: Vec<(String, usize)>,
}

pub(super) enum Lookup {
    Found(usize),
    Missing,
    Ambiguous,
}

impl History {
    pub(super) fn load(repo: &git2::Repository) -> Result<History, git2::Error> {
        let mut walk = repo.revwalk()?;
        walk.push_head()?;
        walk.simplify_first_parent()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL)?;
        let mut ids = walk
            .map(|oid| oid.map(|oid| oid.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        ids.reverse();
        let mut sorted: Vec<(String, usize)> = ids
            .iter()
            .enumerate()
            .map(|(at, id)| (id.clone(), at))
            .collect();
        sorted.sort();
        Ok(History { ids, sorted })
    }

    pub(super) fn lookup(&self, commit: &str) -> Lookup {
        let commit = commit.trim().to_ascii_lowercase();
        // Shorter prefixes than git's default abbreviation are too likely to be something else.
        if commit.len() < 7 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Lookup::Missing;
        }
        let start = self
            .sorted
            .partition_point(|(id, _)| id.as_str() < commit.as_str());
        let mut matches = self.sorted[start..]
            .iter()
            .take_while(|(id, _)| id.starts_with(&commit));
        match (matches.next(), matches.next()) {
            (Some(&(_, at)), None) => Lookup::Found(at),
            (Some(_), Some(_)) => Lookup::Ambiguous,
            _ => Lookup::Missing,
        }
    }
}

/// Points left out because the history does not know their commit.
#[derive(Default)]
pub(super) struct LeftOut {
    pub(super) points: usize,
    pub(super) commits: BTreeSet<String>,
    pub(super) example: Option<(String, String)>,
}

impl LeftOut {
    pub(super) fn add(&mut self, series: &str, commit: &str) {
        self.points += 1;
        self.commits.insert(commit.to_string());
        if self.example.is_none() {
            self.example = Some((series.to_string(), commit.to_string()));
        }
    }

    pub(super) fn warning(&self, what: &str) -> Option<String> {
        let (series, commit) = self.example.as_ref()?;
        Some(format!(
            "left out {} point(s) of {} commit(s) {what}, e.g. commit `{commit}` in series `{series}`",
            self.points,
            self.commits.len()
        ))
    }
}

/// The raw points of one commit in one series.
pub(super) struct Group {
    pub(super) commit: String,
    pub(super) position: Option<usize>,
    pub(super) values: Vec<f64>,
    pub(super) time: Option<f64>,
}

pub(super) struct SeriesAcc {
    pub(super) name: String,
    pub(super) unit: Option<(String, String)>,
    pub(super) direction: Option<(Direction, String)>,
    pub(super) points: Vec<RawPoint>,
}

pub(super) fn assemble(
    raw: Vec<RawPoint>,
    repo: Option<&git2::Repository>,
    mut warnings: Vec<String>,
) -> Result<Feed, FeedError> {
    if raw.is_empty() {
        warnings.push("the feed has no points".to_string());
    }
    let mut all: Vec<SeriesAcc> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for point in raw {
        let at = *by_name.entry(point.series.clone()).or_insert_with(|| {
            all.push(SeriesAcc {
                name: point.series.clone(),
                unit: None,
                direction: None,
                points: Vec::new(),
            });
            all.len() - 1
        });
        let acc = &mut all[at];
        // A missing unit or direction says nothing; only two different ones disagree.
        if let Some(unit) = &point.unit {
            match &acc.unit {
                None => acc.unit = Some((unit.clone(), point.origin.clone())),
                Some((first, first_at)) if first != unit => {
                    return Err(FeedError::Inconsistent {
                        series: acc.name.clone(),
                        what: "unit",
                        first: format!("`{first}` ({first_at})"),
                        second: format!("`{unit}` ({})", point.origin),
                    })
                }
                Some(_) => {}
            }
        }
        if let Some(direction) = point.direction {
            match &acc.direction {
                None => acc.direction = Some((direction, point.origin.clone())),
                Some((first, first_at)) if *first != direction => {
                    return Err(FeedError::Inconsistent {
                        series: acc.name.clone(),
                        what: "direction",
                        first: format!("`{}` ({first_at})", direction_name(*first)),
                        second: format!("`{}` ({})", direction_name(direction), point.origin),
                    })
                }
                Some(_) => {}
            }
        }
        acc.points.push(point);
    }

    let history = repo.map(History::load).transpose()?;
    let mut missing = LeftOut::default();
    let mut ambiguous = LeftOut::default();
    let mut series = Vec::new();
    for acc in all {
        let total = acc.points.len();
        let timed = acc.points.iter().filter(|p| p.time.is_some()).count();
        let mut groups: Vec<Group> = Vec::new();
        let mut by_commit: HashMap<String, usize> = HashMap::new();
        for point in acc.points {
            let (commit, position) = match &history {
                Some(history) => match history.lookup(&point.commit) {
                    Lookup::Found(at) => (history.ids[at].clone(), Some(at)),
                    Lookup::Missing => {
                        missing.add(&acc.name, &point.commit);
                        continue;
                    }
                    Lookup::Ambiguous => {
                        ambiguous.add(&acc.name, &point.commit);
                        continue;
                    }
                },
                None => (point.commit.clone(), None),
            };
            let at = *by_commit.entry(commit.clone()).or_insert_with(|| {
                groups.push(Group {
                    commit,
                    position,
                    values: Vec::new(),
                    time: None,
                });
                groups.len() - 1
            });
            let group = &mut groups[at];
            group.values.push(point.value);
            if let Some(time) = point.time {
                group.time = Some(group.time.map_or(time, |t: f64| t.min(time)));
            }
        }
        if groups.is_empty() {
            continue;
        }
        if history.is_some() {
            groups.sort_by_key(|g| g.position);
        } else if timed == total {
            // Stable, so commits measured at the same time keep their file order.
            groups.sort_by(|a, b| {
                a.time
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&b.time.unwrap_or(f64::NEG_INFINITY))
            });
        } else if timed > 0 {
            warnings.push(format!(
                "series `{}`: {} of {total} point(s) have no time, so its points keep the file's order",
                acc.name,
                total - timed
            ));
        }
        let points = groups
            .into_iter()
            .map(|group| Point {
                value: median(&group.values),
                samples: group.values.len(),
                values: group.values,
                commit: group.commit,
                time: group.time,
            })
            .collect();
        series.push(Series {
            name: acc.name,
            unit: acc.unit.map(|(unit, _)| unit),
            direction: acc.direction.map(|(d, _)| d).unwrap_or_default(),
            points,
        });
    }
    warnings.extend(missing.warning("not on the first-parent history of HEAD"));
    warnings
        .extend(ambiguous.warning(
            "whose abbreviated id matches several commits of HEAD's first-parent history",
        ));
    Ok(Feed { series, warnings })
}

pub(super) fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::LowerIsBetter => "lower_is_better",
        Direction::HigherIsBetter => "higher_is_better",
    }
}

/// The median; `values` is never empty here (a group exists because a value
/// was pushed), and NaN would say so if it were.
pub(super) fn median(values: &[f64]) -> f64 {
    crate::numbers::median(values).unwrap_or(f64::NAN)
}
