use std::collections::HashMap;
use std::time::Instant;
use streaming_iterator::StreamingIterator;
use wattson::lang::Lang;
use wattson::skills::SkillSet;
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let set = SkillSet::builtin().unwrap();
    let files: Vec<_> = ignore::WalkBuilder::new(&root).build().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "h" || x == "tcc")).map(|e| e.path().to_path_buf()).collect();
    let srcs: Vec<String> = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect();
    let mut parser = Lang::Cpp.parser();
    let trees: Vec<_> = srcs.iter().map(|s| parser.parse(s, None).unwrap()).collect();
    for skill in set.skills().iter().filter(|s| s.lang == Lang::Cpp) {
        let q = tree_sitter::Query::new(&Lang::Cpp.grammar(), &skill.spec.query).unwrap();
        let mut per_kind: HashMap<&str, (usize, std::time::Duration)> = HashMap::new();
        let kinds: Vec<&str> = ["compound_statement", "call_expression", "function_definition", "for_range_loop", "for_statement", "while_statement", "do_statement", "qualified_identifier", "assignment_expression"].to_vec();
        let mut c = tree_sitter::QueryCursor::new();
        c.set_max_start_depth(Some(0));
        for (tree, src) in trees.iter().zip(&srcs) {
            let mut w = tree.walk();
            'walk: loop {
                let node = w.node();
                if kinds.contains(&node.kind()) {
                    let t = Instant::now();
                    let mut m = c.matches(&q, node, src.as_bytes());
                    while m.next().is_some() {}
                    let e = per_kind.entry(node.kind()).or_default();
                    e.0 += 1; e.1 += t.elapsed();
                }
                if w.goto_first_child() { continue; }
                while !w.goto_next_sibling() { if !w.goto_parent() { break 'walk; } }
            }
        }
        let mut v: Vec<_> = per_kind.into_iter().collect(); v.sort_by_key(|x| std::cmp::Reverse(x.1.1));
        println!("{}: {:?}", skill.id(), &v[..2.min(v.len())]);
    }
}
