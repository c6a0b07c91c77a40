use std::time::Instant;
use streaming_iterator::StreamingIterator;
use wattson::lang::Lang;
use wattson::skills::SkillSet;
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let set = SkillSet::builtin().unwrap();
    let files: Vec<_> = ignore::WalkBuilder::new(&root).build().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "rs")).map(|e| e.path().to_path_buf()).collect();
    let srcs: Vec<String> = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).filter(|s| s.len() < 2_000_000).collect();
    let t = Instant::now();
    let mut parser = Lang::Rust.parser();
    let trees: Vec<_> = srcs.iter().map(|s| parser.parse(s, None).unwrap()).collect();
    println!("parse: {:?}", t.elapsed());
    let extra = ["(source_file) @x", "(macro_rules! ) @x", "(call_expression) @c", "(call_expression function: (field_expression field: (field_identifier) @f (#eq? @f \"clone\"))) @c"];
    for (id, qs) in extra.iter().map(|q| (q.to_string(), q.to_string())).chain(set.skills().iter().filter(|s| s.lang == Lang::Rust).map(|s| (s.id().to_string(), s.spec.query.clone()))) {
        let q = tree_sitter::Query::new(&Lang::Rust.grammar(), &qs).unwrap();
        let t = Instant::now();
        let mut n = 0;
        for (tree, src) in trees.iter().zip(&srcs) {
            let mut c = tree_sitter::QueryCursor::new();
            let mut m = c.matches(&q, tree.root_node(), src.as_bytes());
            while m.next().is_some() { n += 1; }
        }
        println!("{}: {:?} ({} matches)", id, t.elapsed(), n);
    }
    let t = Instant::now();
    let mut nodes = 0usize;
    for tree in &trees { let mut c = tree.walk(); loop { nodes += 1; if c.goto_first_child() { continue; } while !c.goto_next_sibling() { if !c.goto_parent() { break; } } if c.node() == tree.root_node() { break; } } }
    println!("tree cursor walk: {:?} ({nodes} nodes)", t.elapsed());
    let t = Instant::now();
    for src in &srcs { set.scan_source(Lang::Rust, src); }
    println!("scan_source total (1 thread): {:?}", t.elapsed());
}
