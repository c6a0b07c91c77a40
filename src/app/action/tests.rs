//! The step's markdown and outputs, escaped as GitHub reads them.

use super::*;

#[test]
fn outputs_use_a_delimiter_only_for_multi_line_values() {
    let text = outputs_text(&[
        ("findings", "3".into()),
        ("pull-requests", "a b".into()),
        ("odd", "one\ntwo".into()),
    ]);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("findings=3"));
    assert_eq!(lines.next(), Some("pull-requests=a b"));
    let head = lines.next().unwrap_or_default();
    let delim = head.strip_prefix("odd<<").unwrap_or_default();
    assert!(delim.starts_with("ghadelimiter_"));
    assert_eq!(lines.next(), Some("one"));
    assert_eq!(lines.next(), Some("two"));
    assert_eq!(lines.next(), Some(delim));
    assert_eq!(lines.next(), None);
}

#[test]
fn table_cells_cannot_break_the_table_or_inject_html() {
    assert_eq!(md("a|b\n<img>"), "a\\|b &lt;img&gt;");
    assert_eq!(code("x`y"), "x\\`y");
    assert_eq!(
        message_md("call `v.reserve(n > 0 ? n : 0);` <b>|</b>"),
        "call `v.reserve(n > 0 ? n : 0);` &lt;b&gt;\\|&lt;/b&gt;"
    );
    assert_eq!(message_md("`a|b`"), "`a\\|b`");
    assert_eq!(message_md("odd ` one"), "odd \\` one");
    assert_eq!(code("src/a.cpp:3"), "`src/a.cpp:3`");
    assert_eq!(
        link("https://github.com/o/r/pull/7"),
        "[#7](https://github.com/o/r/pull/7)"
    );
    assert_eq!(link("https://x/y) [z](w"), "https://x/y) \\[z\\](w");
}

#[test]
fn sarif_paths_are_rebased_on_the_repository_root() {
    let mut v = serde_json::json!({"runs": [{
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///r/sub/"}},
        "results": [{"locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "a.cpp", "uriBaseId": "%SRCROOT%"}}}],
            "fixes": [{"artifactChanges": [{
                "artifactLocation": {"uri": "a.cpp", "uriBaseId": "%SRCROOT%"}}]}]}]
    }]});
    rebase_sarif(&mut v, Path::new("/r"), "sub/");
    let r = &v["runs"][0];
    assert_eq!(r["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///r/");
    assert_eq!(
        r["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "sub/a.cpp"
    );
    assert_eq!(
        r["results"][0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"],
        "sub/a.cpp"
    );
}
