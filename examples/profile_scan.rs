//! Developer aid: per-skill match counts and guard time on a tree.
use std::time::Instant;
use wattson::lang::Lang;
use wattson::skills::SkillSet;
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let set = SkillSet::builtin().unwrap();
    let files: Vec<_> = ignore::WalkBuilder::new(&root).build().flatten().filter(|e| e.file_type().is_some_and(|t| t.is_file())).filter_map(|e| Lang::from_path(e.path()).map(|l| (l, e.path().to_path_buf()))).collect();
    let srcs: Vec<(Lang, String)> = files.iter().filter_map(|(l, f)| std::fs::read_to_string(f).ok().map(|s| (*l, s))).collect();
    for skill in set.skills() {
        let one = SkillSet::builtin().unwrap().select(&[skill.id().to_string()]).unwrap();
        let t = Instant::now();
        let mut n = 0;
        for (l, s) in &srcs { if *l == skill.lang { n += one.scan_source(*l, s).findings.len(); } }
        println!("{:40} {:>8.3}s {n} findings", skill.id(), t.elapsed().as_secs_f64());
    }
}
