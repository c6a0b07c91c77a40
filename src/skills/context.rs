//! What a guard may look at for one query match: the file's text and tree,
//! its declarations, the project index as this file sees it, the match's
//! captures, and the values earlier guards bound.

use std::collections::HashMap;

use tree_sitter::Node;

use std::cell::RefCell;

use super::call::Arg;
use super::syntax::{Decl, DeclIndex};
use super::types::TypeFamilies;
use crate::index::resolve::Scope;
use crate::index::FileIndex;
use crate::lang::Lang;

/// Everything a guard may look at for one query match.
pub struct MatchCtx<'a> {
    pub lang: Lang,
    pub src: &'a str,
    /// The root of the file's tree (asking a node for its root is O(depth²)).
    pub root: Node<'a>,
    /// Declarations already looked up in this file.
    pub decls: DeclIndex<'a>,
    pub captures: HashMap<String, Node<'a>>,
    pub bindings: HashMap<String, String>,
    pub types: &'a TypeFamilies,
    /// What the file declares and can see of the project's declarations.
    pub index: &'a FileIndex<'a>,
    /// The scope of each function asked about, by node id (see `scope_at`).
    pub(super) scopes: RefCell<HashMap<usize, Scope>>,
}

impl<'a> MatchCtx<'a> {
    /// A context for one file; captures and bindings are filled per match.
    pub fn new(
        lang: Lang,
        src: &'a str,
        root: Node<'a>,
        types: &'a TypeFamilies,
        index: &'a FileIndex<'a>,
    ) -> MatchCtx<'a> {
        MatchCtx {
            lang,
            src,
            root,
            decls: DeclIndex::default(),
            captures: HashMap::new(),
            bindings: HashMap::new(),
            types,
            index,
            scopes: RefCell::new(HashMap::new()),
        }
    }

    /// The node an argument names; `None` when the capture did not take part
    /// in this match (an optional capture), which guards treat as "fails".
    pub fn node(&self, arg: &Arg) -> Option<Node<'a>> {
        match arg {
            Arg::Capture(name) => self.captures.get(name).copied(),
            _ => None,
        }
    }

    pub fn word<'w>(&self, arg: &'w Arg) -> &'w str {
        match arg {
            Arg::Word(w) | Arg::Text(w) => w,
            _ => "",
        }
    }

    pub fn text(&self, node: Node<'_>) -> &'a str {
        &self.src[node.byte_range()]
    }

    /// The declaration of `name` visible at `at`, from the file's index.
    pub fn declaration(&self, at: Node<'a>, name: &str) -> Option<Decl<'a>> {
        self.decls
            .declaration(self.root, self.lang, at, name, self.src)
    }

    /// The named function around `node`, or the file when there is none.
    pub fn function_scope(&self, node: Node<'a>) -> Node<'a> {
        self.decls
            .function_at(self.root, self.lang, node, self.src)
            .unwrap_or(self.root)
    }

    pub fn bind(&mut self, name: &str, value: impl Into<String>) {
        self.bindings.insert(name.to_string(), value.into());
    }
}
