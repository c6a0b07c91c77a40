//! Building a [`Profile`] while reading: strings and frames are interned and
//! identical stacks are summed as they arrive, so the readers never hold more
//! than one sample in flight.

use rustc_hash::FxHashMap;

use super::{symbol, Call, Frame, Profile, ProfileFormat, Stack};

const NO_FILE: u32 = u32::MAX;

/// Interns raw strings (bytes, since profiles are not always UTF-8).
#[derive(Default)]
struct Strings {
    ids: FxHashMap<Box<[u8]>, u32>,
    list: Vec<Box<[u8]>>,
}

impl Strings {
    fn intern(&mut self, s: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }
}

/// A frame before its strings are resolved: symbol id, file id, line (0 = none).
type FrameKey = (u32, u32, u32);

#[derive(Default)]
pub struct ProfileBuilder {
    symbols: Strings,
    files: Strings,
    frame_ids: FxHashMap<FrameKey, u32>,
    frames: Vec<FrameKey>,
    stacks: FxHashMap<Box<[u32]>, u64>,
    calls: FxHashMap<(u32, u32), u64>,
    current: Vec<u32>,
    total: u64,
}

impl ProfileBuilder {
    pub fn new() -> ProfileBuilder {
        ProfileBuilder::default()
    }

    /// The id of a frame, interning it on first sight. `symbol` may be
    /// mangled: it is demangled once per distinct symbol in [`finish`].
    ///
    /// [`finish`]: ProfileBuilder::finish
    pub fn frame(&mut self, symbol: &[u8], file: Option<&[u8]>, line: Option<u32>) -> u32 {
        let key = (
            self.symbols.intern(symbol),
            file.map_or(NO_FILE, |f| self.files.intern(f)),
            line.unwrap_or(0),
        );
        *self.frame_ids.entry(key).or_insert_with(|| {
            self.frames.push(key);
            (self.frames.len() - 1) as u32
        })
    }

    /// Add a frame to the sample being read (innermost first).
    pub fn push(&mut self, frame: u32) {
        self.current.push(frame);
    }

    /// Whether the sample being read has any frame yet.
    pub fn has_frames(&self) -> bool {
        !self.current.is_empty()
    }

    /// Finish the sample being read with this weight; an empty sample is
    /// dropped.
    pub fn end_sample(&mut self, weight: u64) {
        if !self.current.is_empty() {
            self.add_stack_weight(weight);
            self.current.clear();
        }
    }

    /// Forget the sample being read (it was filtered out).
    pub fn discard_sample(&mut self) {
        self.current.clear();
    }

    fn add_stack_weight(&mut self, weight: u64) {
        self.total = self.total.saturating_add(weight);
        if let Some(w) = self.stacks.get_mut(self.current.as_slice()) {
            *w = w.saturating_add(weight);
        } else {
            self.stacks
                .insert(self.current.clone().into_boxed_slice(), weight);
        }
    }

    /// Record a whole sample at once.
    pub fn sample(&mut self, frames_leaf_first: &[u32], weight: u64) {
        self.current.clear();
        self.current.extend_from_slice(frames_leaf_first);
        self.end_sample(weight);
    }

    /// Record a call edge with its inclusive cost (not part of the total).
    pub fn call(&mut self, caller: u32, callee: u32, weight: u64) {
        let w = self.calls.entry((caller, callee)).or_insert(0);
        *w = w.saturating_add(weight);
    }

    /// The sum of the sample weights so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Resolve strings (demangling each distinct symbol once) and hand out
    /// the profile. `stated_total` overrides the summed total when the file
    /// states one (callgrind's `totals:`).
    pub fn finish(self, format: ProfileFormat, unit: &str, stated_total: Option<u64>) -> Profile {
        let symbols: Vec<String> = self
            .symbols
            .list
            .iter()
            .map(|s| symbol::demangle(&String::from_utf8_lossy(s)))
            .collect();
        let files: Vec<String> = self
            .files
            .list
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        let frames = self
            .frames
            .iter()
            .map(|&(s, f, l)| Frame {
                symbol: symbols[s as usize].clone(),
                file: (f != NO_FILE).then(|| files[f as usize].clone()),
                line: (l != 0).then_some(l),
            })
            .collect();
        let mut stacks: Vec<Stack> = self
            .stacks
            .into_iter()
            .map(|(frames, weight)| Stack { frames, weight })
            .collect();
        // Deterministic order for reports and tests.
        stacks.sort_unstable_by(|a, b| b.weight.cmp(&a.weight).then(a.frames.cmp(&b.frames)));
        let mut calls: Vec<Call> = self
            .calls
            .into_iter()
            .map(|((caller, callee), weight)| Call {
                caller,
                callee,
                weight,
            })
            .collect();
        calls.sort_unstable_by_key(|c| (c.caller, c.callee));
        Profile {
            format,
            unit: unit.to_string(),
            frames,
            stacks,
            calls,
            total: stated_total.unwrap_or(self.total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_stacks_are_summed_and_frames_interned() {
        let mut b = ProfileBuilder::new();
        for weight in [3, 4] {
            let leaf = b.frame(b"leaf", None, None);
            let root = b.frame(b"main", Some(b"main.c"), Some(7));
            b.push(leaf);
            b.push(root);
            b.end_sample(weight);
        }
        let only_root = b.frame(b"main", Some(b"main.c"), Some(7));
        b.sample(&[only_root], 1);
        b.end_sample(99); // nothing in flight: dropped
        let p = b.finish(ProfileFormat::Folded, "samples", None);
        assert_eq!(p.total, 8);
        assert_eq!(p.frames.len(), 2);
        assert_eq!(p.stacks.len(), 2);
        assert_eq!(p.stacks[0].weight, 7);
        assert_eq!(p.frames[p.stacks[0].frames[1] as usize].line, Some(7));
    }
}
