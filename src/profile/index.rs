//! The hotness index: a profile's weight joined to the checkout's functions.
//!
//! Each frame is mapped to a source function by file and line where the
//! profile has them (the file matched by path suffix), else by qualified
//! name. Then, per source function:
//!
//! - **self** weight: samples whose innermost *mapped* frame is in it. Time
//!   spent in code outside the tree (`malloc`, `memcpy`, inlined library
//!   templates) counts for the function of the tree that called it, because
//!   that is the code a rewrite can change;
//! - **inclusive** weight: samples with the function anywhere on the stack.
//!
//! Per line (where the profile has lines) the same two weights, so a loop's
//! share can be told. Callgrind has no stacks but call edges with inclusive
//! costs; they are folded in the same spirit (see [`HotnessIndex::build`]).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::source::{NameMatch, SourceFunctions};
use super::{symbol, Frame, Profile};

/// Weight of one source function.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionWeight {
    pub name: String,
    pub path: String,
    pub line: u32,
    pub end_line: u32,
    pub self_weight: u64,
    pub inclusive_weight: u64,
    pub self_percent: f64,
    pub inclusive_percent: f64,
    /// Per line of the function's own file: (self, inclusive) weight.
    #[serde(skip)]
    pub lines: BTreeMap<u32, (u64, u64)>,
    #[serde(skip)]
    pub loops: Vec<(u32, u32)>,
    #[serde(skip)]
    source: usize,
}

/// A symbol whose weight could not be placed in the checkout.
#[derive(Clone, Debug, Serialize)]
pub struct UnmappedSymbol {
    pub symbol: String,
    pub weight: u64,
    pub percent: f64,
    pub reason: String,
}

/// How hot the code around a line is.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Heat {
    pub function: String,
    pub self_percent: f64,
    pub inclusive_percent: f64,
    /// The innermost loop around the place, where the profile has lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_lines: Option<(u32, u32)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_self_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_inclusive_percent: Option<f64>,
}

#[derive(Debug)]
pub struct HotnessIndex {
    pub unit: String,
    pub total: u64,
    pub mapped: u64,
    /// Functions with any weight, heaviest (by self weight) first.
    pub functions: Vec<FunctionWeight>,
    /// The heaviest symbols that could not be mapped, heaviest first.
    pub unmapped: Vec<UnmappedSymbol>,
    by_source: HashMap<usize, usize>,
    source: SourceFunctions,
}

/// How many unmapped symbols are kept for the report.
const UNMAPPED_SHOWN: usize = 20;

/// Where a frame lands in the checkout.
#[derive(Clone, Debug)]
enum Place {
    /// A function; `by_line` when the frame's file and line were inside it.
    /// `inlined_into` is the function the frame's *symbol* names when that
    /// differs: the code of `index` was inlined there, so `inlined_into`
    /// gets the weight as inclusive.
    Function {
        index: usize,
        by_line: bool,
        inlined_into: Option<usize>,
    },
    Unmapped(String),
}

impl HotnessIndex {
    /// Join `profile` to `source`.
    ///
    /// For callgrind's call edges: a call from a mapped function adds its
    /// inclusive cost to the caller's inclusive weight (and the call site's
    /// line), and, when the callee is outside the tree, to the caller's self
    /// weight too. An unmapped function's own cost counts as unmapped only
    /// for the share of its calls that did not come from mapped code
    /// (propagated down chains of unmapped callees), so `malloc` called from
    /// the tree is not "unmapped" while the dynamic loader is.
    pub fn build(profile: &Profile, source: SourceFunctions) -> HotnessIndex {
        let places = map_frames(&profile.frames, &source);
        let n = source.functions.len();
        let mut self_w = vec![0u64; n];
        let mut incl_w = vec![0u64; n];
        let mut lines: Vec<BTreeMap<u32, (u64, u64)>> = vec![BTreeMap::new(); n];
        let mut unmapped_self: HashMap<u32, u64> = HashMap::new();
        let mut mapped: u64 = 0;
        let mut stamp = vec![usize::MAX; n];
        let mut seen_lines: Vec<(usize, u32)> = Vec::new();

        for (s, stack) in profile.stacks.iter().enumerate() {
            let w = stack.weight;
            let mut innermost = true;
            seen_lines.clear();
            for &f in stack.frames.iter() {
                let Place::Function {
                    index,
                    by_line,
                    inlined_into,
                } = places[f as usize]
                else {
                    continue;
                };
                if let Some(outer) = inlined_into {
                    if stamp[outer] != s {
                        stamp[outer] = s;
                        incl_w[outer] += w;
                    }
                }
                let line = profile.frames[f as usize].line.filter(|_| by_line);
                if innermost {
                    innermost = false;
                    mapped += w;
                    self_w[index] += w;
                    if let Some(l) = line {
                        lines[index].entry(l).or_default().0 += w;
                    }
                }
                if stamp[index] != s {
                    stamp[index] = s;
                    incl_w[index] += w;
                }
                if let Some(l) = line {
                    if !seen_lines.contains(&(index, l)) {
                        seen_lines.push((index, l));
                        lines[index].entry(l).or_default().1 += w;
                    }
                }
            }
            if innermost {
                *unmapped_self.entry(stack.frames[0]).or_default() += w;
            }
        }

        // Callgrind's call edges.
        let mut from_mapped: HashMap<String, u64> = HashMap::new();
        let mut incoming: HashMap<String, Vec<(String, u64)>> = HashMap::new();
        for call in &profile.calls {
            let caller = &places[call.caller as usize];
            let callee = &places[call.callee as usize];
            let callee_name = &profile.frames[call.callee as usize].symbol;
            match (caller, callee) {
                (
                    Place::Function {
                        index,
                        by_line,
                        inlined_into,
                    },
                    callee,
                ) => {
                    let callee_index = match callee {
                        Place::Function { index: c, .. } => Some(*c),
                        Place::Unmapped(_) => None,
                    };
                    if let Some(outer) = *inlined_into {
                        if callee_index != Some(outer) {
                            incl_w[outer] += call.weight;
                        }
                    }
                    if callee_index == Some(*index) {
                        continue; // recursion: already inside
                    }
                    incl_w[*index] += call.weight;
                    let line = profile.frames[call.caller as usize]
                        .line
                        .filter(|_| *by_line);
                    if let Some(l) = line {
                        lines[*index].entry(l).or_default().1 += call.weight;
                    }
                    if let Place::Unmapped(_) = callee {
                        self_w[*index] += call.weight;
                        if let Some(l) = line {
                            lines[*index].entry(l).or_default().0 += call.weight;
                        }
                        *from_mapped.entry(callee_name.clone()).or_default() += call.weight;
                    }
                }
                (Place::Unmapped(_), Place::Unmapped(_)) => {
                    let caller_name = profile.frames[call.caller as usize].symbol.clone();
                    if caller_name == *callee_name {
                        continue; // recursion adds no new caller
                    }
                    incoming
                        .entry(callee_name.clone())
                        .or_default()
                        .push((caller_name, call.weight));
                }
                (Place::Unmapped(_), Place::Function { .. }) => {}
            }
        }
        let unmapped_weights = if profile.calls.is_empty() {
            unmapped_self
                .into_iter()
                .map(|(f, w)| (f, w as f64))
                .collect::<Vec<_>>()
        } else {
            let covered = coverage(&from_mapped, &incoming);
            let mut by_symbol: HashMap<&str, (u32, f64)> = HashMap::new();
            for (f, w) in unmapped_self {
                let sym = profile.frames[f as usize].symbol.as_str();
                let share = w as f64 * (1.0 - covered.get(sym).copied().unwrap_or(0.0));
                let e = by_symbol.entry(sym).or_insert((f, 0.0));
                e.1 += share;
            }
            let unmapped_total: f64 = by_symbol.values().map(|v| v.1).sum();
            mapped = profile.total.saturating_sub(unmapped_total.round() as u64);
            by_symbol.into_values().collect()
        };

        let total = profile.total.max(1);
        let pct = |w: u64| (w.min(total) as f64) * 100.0 / total as f64;
        let mut functions: Vec<FunctionWeight> = (0..n)
            .filter(|&i| self_w[i] > 0 || incl_w[i] > 0)
            .map(|i| {
                let f = &source.functions[i];
                // Inclusive never exceeds the whole, nor falls below self.
                let inclusive = incl_w[i].max(self_w[i]).min(profile.total);
                FunctionWeight {
                    name: f.display_name(),
                    path: f.path.clone(),
                    line: f.start_line,
                    end_line: f.end_line,
                    self_weight: self_w[i],
                    inclusive_weight: inclusive,
                    self_percent: pct(self_w[i]),
                    inclusive_percent: pct(inclusive),
                    lines: std::mem::take(&mut lines[i]),
                    loops: f.loops.clone(),
                    source: i,
                }
            })
            .collect();
        functions.sort_by(|a, b| {
            b.self_weight
                .cmp(&a.self_weight)
                .then(b.inclusive_weight.cmp(&a.inclusive_weight))
                .then(a.path.cmp(&b.path))
                .then(a.line.cmp(&b.line))
        });
        let by_source = functions
            .iter()
            .enumerate()
            .map(|(k, f)| (f.source, k))
            .collect();

        let mut unmapped: Vec<UnmappedSymbol> = unmapped_weights
            .into_iter()
            .filter(|(_, w)| *w >= 0.5)
            .map(|(f, w)| {
                let frame = &profile.frames[f as usize];
                let reason = match &places[f as usize] {
                    Place::Unmapped(r) => r.clone(),
                    Place::Function { .. } => String::new(),
                };
                let weight = w.round() as u64;
                UnmappedSymbol {
                    symbol: frame.symbol.clone(),
                    weight,
                    percent: pct(weight),
                    reason,
                }
            })
            .collect();
        unmapped.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.symbol.cmp(&b.symbol)));
        unmapped.truncate(UNMAPPED_SHOWN);

        HotnessIndex {
            unit: profile.unit.clone(),
            total: profile.total,
            mapped: mapped.min(profile.total),
            functions,
            unmapped,
            by_source,
            source,
        }
    }

    /// The share of the profile's weight that landed in the checkout.
    pub fn mapped_percent(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.mapped as f64 * 100.0 / self.total as f64
    }

    /// How hot the code at `path:line` is: its function's weights and, when
    /// the profile has lines there, its innermost loop's.
    pub fn heat(&self, path: &str, line: u32) -> Option<Heat> {
        let source = self.source.function_at(path, line)?;
        let f = &self.functions[*self.by_source.get(&source)?];
        let mut heat = Heat {
            function: f.name.clone(),
            self_percent: f.self_percent,
            inclusive_percent: f.inclusive_percent,
            loop_lines: None,
            loop_self_percent: None,
            loop_inclusive_percent: None,
        };
        let innermost_loop = f
            .loops
            .iter()
            .filter(|(a, b)| *a <= line && line <= *b)
            .min_by_key(|(a, b)| b - a);
        if let (Some(&(a, b)), false) = (innermost_loop, f.lines.is_empty()) {
            let (s, i) = f
                .lines
                .range(a..=b)
                .fold((0u64, 0u64), |(s, i), (_, (ls, li))| (s + ls, i + li));
            let pct = |w: u64| w.min(f.inclusive_weight) as f64 * 100.0 / self.total.max(1) as f64;
            heat.loop_lines = Some((a, b));
            heat.loop_self_percent = Some(pct(s));
            heat.loop_inclusive_percent = Some(pct(i));
        }
        Some(heat)
    }

    /// The function at `path:line`, if it has any weight.
    pub fn function_at(&self, path: &str, line: u32) -> Option<&FunctionWeight> {
        let source = self.source.function_at(path, line)?;
        self.by_source.get(&source).map(|&k| &self.functions[k])
    }
}

/// Map every frame to a source function (or say why not), resolving each
/// distinct file and symbol once.
fn map_frames(frames: &[Frame], source: &SourceFunctions) -> Vec<Place> {
    let mut files: HashMap<&str, Option<String>> = HashMap::new();
    let mut names: HashMap<(&str, Option<String>), Place> = HashMap::new();
    frames
        .iter()
        .map(|frame| {
            let path = frame.file.as_deref().and_then(|file| {
                files
                    .entry(file)
                    .or_insert_with(|| source.match_path(file).map(str::to_string))
                    .clone()
            });
            let named = names
                .entry((frame.symbol.as_str(), path.clone()))
                .or_insert_with(|| by_name(&frame.symbol, path.as_deref(), source))
                .clone();
            if let (Some(path), Some(line)) = (&path, frame.line) {
                if let Some(index) = source.function_at(path, line) {
                    let inlined_into = match named {
                        Place::Function { index: outer, .. } if outer != index => Some(outer),
                        _ => None,
                    };
                    return Place::Function {
                        index,
                        by_line: true,
                        inlined_into,
                    };
                }
            }
            named
        })
        .collect()
}

fn by_name(symbol: &str, path: Option<&str>, source: &SourceFunctions) -> Place {
    let name = symbol::qualified_name(symbol);
    match source.match_name(&name, path, symbol::language_hint(symbol)) {
        NameMatch::Unique(index) => Place::Function {
            index,
            by_line: false,
            inlined_into: None,
        },
        NameMatch::Ambiguous(k) => Place::Unmapped(format!(
            "{k} functions in the tree are named `{}`; the profile has no file to tell them apart",
            name.join("::")
        )),
        NameMatch::None if name.is_empty() => Place::Unmapped("no symbol name".into()),
        NameMatch::None => Place::Unmapped("no function of that name in the scanned tree".into()),
    }
}

/// For each unmapped callee, the share (0–1) of its calls that came, directly
/// or through other unmapped callees, from mapped code.
fn coverage(
    from_mapped: &HashMap<String, u64>,
    incoming: &HashMap<String, Vec<(String, u64)>>,
) -> HashMap<String, f64> {
    let mut covered: HashMap<String, f64> = HashMap::new();
    let names: Vec<&String> = from_mapped.keys().chain(incoming.keys()).collect();
    // A few rounds of propagation settle chains; cycles converge from below.
    for _ in 0..16 {
        let mut changed = false;
        for name in &names {
            let direct = from_mapped.get(*name).copied().unwrap_or(0) as f64;
            let mut total = direct;
            let mut good = direct;
            if let Some(callers) = incoming.get(*name) {
                for (caller, w) in callers {
                    total += *w as f64;
                    good += *w as f64 * covered.get(caller).copied().unwrap_or(0.0);
                }
            }
            let share = if total > 0.0 {
                (good / total).min(1.0)
            } else {
                0.0
            };
            let old = covered.insert((*name).clone(), share).unwrap_or(0.0);
            if (old - share).abs() > 1e-9 {
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::source::SourceFunction;
    use crate::profile::{callgrind, folded};

    fn tree() -> SourceFunctions {
        let f = |name: &str, path: &str, a, b, loops: Vec<(u32, u32)>| SourceFunction {
            name: name.split("::").map(String::from).collect(),
            path: path.into(),
            start_line: a,
            end_line: b,
            loops,
            lang: crate::lang::Lang::Cpp,
        };
        SourceFunctions::from_functions(vec![
            f("main", "main.cpp", 1, 20, vec![]),
            f("geo::fill", "grid.cpp", 1, 30, vec![(5, 9), (6, 8)]),
            f("geo::cold", "grid.cpp", 31, 40, vec![]),
        ])
    }

    #[test]
    fn stacks_give_self_to_the_innermost_tree_frame() {
        let p = folded::read(
            &b"main;geo::fill(int);malloc 60\nmain;geo::fill(int) 20\nmain;geo::cold() 5\n\
               _start;_dl_init 15\n"[..],
        )
        .unwrap();
        let ix = HotnessIndex::build(&p, tree());
        assert_eq!(ix.total, 100);
        assert_eq!(ix.mapped, 85);
        assert_eq!(ix.functions[0].name, "geo::fill");
        assert_eq!(ix.functions[0].self_weight, 80);
        assert_eq!(ix.functions[0].inclusive_weight, 80);
        let main = ix.functions.iter().find(|f| f.name == "main").unwrap();
        assert_eq!((main.self_weight, main.inclusive_weight), (0, 85));
        assert_eq!(ix.unmapped[0].symbol, "_dl_init");
        assert_eq!(ix.unmapped[0].weight, 15);
        assert!(
            ix.unmapped[0].reason.contains("no function"),
            "{:?}",
            ix.unmapped[0]
        );
    }

    #[test]
    fn callgrind_calls_into_libraries_count_for_the_caller() {
        let text = "events: Ir\n\
            fl=(1) /build/main.cpp\nfn=(1) main\n2 10\ncfl=(2) /build/grid.cpp\ncfn=(2) geo::fill(int)\ncalls=1 1\n3 700\n\
            fl=(2)\nfn=(2)\n6 400\n7 100\ncfl=(3) ???\ncfn=(3) malloc\ncalls=5 0\n7 200\n\
            fl=(3)\nfn=(3)\n0 200\n\
            fl=(4) ???\nfn=(4) _dl_start\n0 90\n";
        let p = callgrind::read(text.as_bytes()).unwrap();
        assert_eq!(p.total, 800);
        let ix = HotnessIndex::build(&p, tree());
        let fill = &ix.functions[0];
        assert_eq!(fill.name, "geo::fill");
        assert_eq!(fill.self_weight, 700); // 400 + 100 + malloc's 200
        assert_eq!(fill.inclusive_weight, 700);
        let main = ix.functions.iter().find(|f| f.name == "main").unwrap();
        assert_eq!(main.inclusive_weight, 710);
        // malloc was reached from mapped code: only the loader is unmapped.
        assert_eq!(ix.unmapped.len(), 1);
        assert_eq!(ix.unmapped[0].symbol, "_dl_start");
        assert_eq!(ix.mapped, 710);
        // Lines: the loop 5–9 holds lines 6 and 7 (with the malloc call).
        let heat = ix.heat("grid.cpp", 7).unwrap();
        assert_eq!(heat.loop_lines, Some((6, 8)));
        assert_eq!(heat.loop_self_percent, Some(87.5));
        assert_eq!(heat.self_percent, 87.5);
        assert!(ix.heat("grid.cpp", 35).is_none(), "cold has no weight");
    }
}
