//! Trees the index parsed for a summary, handed over to the scan that will
//! read the same file.
//!
//! A type question about a header parses that header for its summary; when
//! the header is itself one of the files being scanned, the scan would parse
//! it a second time. On a C++ application tree a third of all parses were
//! such repeats. The index keeps the tree of a file the scan will read, the
//! scan takes it (the text must be the same), and each file is parsed once.
//! A budget on the source bytes held bounds the memory when files are
//! summarised long before their turn (a Rust crate, a subdirectory scan).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::lang::Parsed;

/// At most this many bytes of source may wait with their trees at once
/// (a tree costs roughly ten times its text).
const MAX_HELD_BYTES: usize = 2 << 20;

/// A kept parse and the text it was made from.
type Kept = (Parsed<'static>, std::sync::Arc<str>);

pub(super) struct Handover {
    will_scan: Vec<AtomicBool>,
    held: Vec<Mutex<Option<Kept>>>,
    held_bytes: AtomicUsize,
}

impl Handover {
    pub fn new(files: usize) -> Handover {
        Handover {
            will_scan: (0..files).map(|_| AtomicBool::new(false)).collect(),
            held: (0..files).map(|_| Mutex::new(None)).collect(),
            held_bytes: AtomicUsize::new(0),
        }
    }

    pub fn expect_scan(&self, id: usize) {
        if let Some(flag) = self.will_scan.get(id) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Keep `parsed` (of `text`) for the scan of `id`, if one is expected
    /// and the budget allows.
    pub fn keep(&self, id: usize, parsed: Parsed<'_>, text: &std::sync::Arc<str>) {
        if !self.will_scan[id].load(Ordering::Relaxed) {
            return;
        }
        let size = text.len();
        let fits = self
            .held_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                (held + size <= MAX_HELD_BYTES).then_some(held + size)
            })
            .is_ok();
        if !fits {
            return;
        }
        let mut slot = self.held[id].lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref() {
            Some(_) => {
                self.held_bytes.fetch_sub(size, Ordering::Relaxed);
            }
            None => *slot = Some((parsed.into_owned(), text.clone())),
        }
    }

    /// The tree kept for `id`, if it was parsed from exactly `src`. Taken
    /// once: whatever the answer, nothing stays held for `id`.
    pub fn take(&self, id: usize, src: &str) -> Option<Parsed<'static>> {
        self.will_scan[id].store(false, Ordering::Relaxed);
        let (parsed, text) = self.held[id]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        self.held_bytes.fetch_sub(text.len(), Ordering::Relaxed);
        (*text == *src).then_some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use std::sync::Arc;

    fn parsed(text: &str) -> Parsed<'_> {
        Lang::Cpp.parse_best(text)
    }

    #[test]
    fn a_tree_is_kept_only_for_an_expected_scan_and_only_for_the_same_text() {
        let h = Handover::new(2);
        let text: Arc<str> = Arc::from("int f() { return 1; }\n");
        h.keep(0, parsed(&text), &text);
        assert!(h.take(0, &text).is_none(), "no scan was expected");

        h.expect_scan(1);
        h.keep(1, parsed(&text), &text);
        assert_eq!(h.held_bytes.load(Ordering::Relaxed), text.len());
        assert!(
            h.take(1, "int f() { return 2; }\n").is_none(),
            "edited text"
        );
        assert_eq!(h.held_bytes.load(Ordering::Relaxed), 0);

        h.expect_scan(1);
        h.keep(1, parsed(&text), &text);
        let tree = h.take(1, &text).expect("kept for its scan");
        assert_eq!(tree.tree.root_node().kind(), "translation_unit");
        assert!(h.take(1, &text).is_none(), "taken once");
    }

    #[test]
    fn the_budget_bounds_what_waits() {
        let h = Handover::new(2);
        let big: Arc<str> = Arc::from(" ".repeat(MAX_HELD_BYTES - 10));
        let small: Arc<str> = Arc::from("int a = 1;\n".repeat(2));
        h.expect_scan(0);
        h.expect_scan(1);
        h.keep(0, parsed(&big), &big);
        h.keep(1, parsed(&small), &small);
        assert!(h.take(1, &small).is_none(), "over budget: parsed again");
        assert!(h.take(0, &big).is_some());
    }
}
