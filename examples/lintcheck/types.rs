//! `lintcheck types FILE LINE`: what the index makes of the expressions on
//! one line of a file, seen inside its project: the type of every
//! identifier, member access, call and subscript, and its cost. For skill
//! authors asking why a type guard does not hold.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use wattson::index::{summarize_tree, FileIndex};
use wattson::lang::Lang;
use wattson::scan::{Project, ScanOptions};
use wattson::skills::context::MatchCtx;
use wattson::skills::SkillSet;

pub fn run(set: &SkillSet, file: PathBuf, line: usize) -> Result<()> {
    let lang = Lang::from_path(&file).context("not a C++ or Rust file")?;
    let src =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let project = Project::around(&file, &ScanOptions::default());
    let Some(id) = project.index.id_of(&file) else {
        bail!("{} is not in its own project index", file.display());
    };
    let tree = lang.parse(&src);
    let own = std::sync::Arc::new(summarize_tree(lang, &tree, &src));
    let index = FileIndex::new(lang, own, Some(&project.index), Some(id));
    let ctx = MatchCtx::new(lang, &src, tree.root_node(), &set.types, &index);
    let start = src
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let end = start + src[start..].find('\n').unwrap_or(src.len() - start);
    println!("{}", &src[start..end]);
    let mut cursor = tree.root_node().walk();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.end_byte() < start || n.start_byte() > end {
            continue;
        }
        if n.start_byte() >= start
            && n.end_byte() <= end
            && matches!(
                n.kind(),
                "identifier"
                    | "field_expression"
                    | "call_expression"
                    | "subscript_expression"
                    | "index_expression"
                    | "this"
                    | "self"
            )
        {
            let ty = match n.kind() {
                "identifier" => ctx.var_type(n),
                _ => ctx.expr_type(n),
            };
            let shown = ty
                .as_ref()
                .map(|t| format!("{t}  [{:?}]", ctx.cost(&t.value())))
                .unwrap_or_else(|| "?".into());
            println!("  {:<50} {shown}", &src[n.byte_range()]);
        }
        for c in n.children(&mut cursor) {
            stack.push(c);
        }
    }
    println!(
        "scope: {:?}",
        ctx.scope_at(
            tree.root_node()
                .descendant_for_byte_range(start, end)
                .unwrap_or(tree.root_node())
        )
    );
    Ok(())
}
