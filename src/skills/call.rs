//! The tiny call syntax shared by guards and edits: `name(@capture, word, "text")`,
//! optionally negated with a leading `!` (guards only).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// `@name`: a query capture or a guard binding.
    Capture(String),
    /// `@a..@b`: the source from the start of one capture to the end of another.
    Span(String, String),
    /// A bare word such as `reserve` or `std::vector|std::deque`.
    Word(String),
    /// A double-quoted string with `\"`, `\\`, `\n` and `\t` escapes.
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub negated: bool,
    pub name: String,
    pub args: Vec<Arg>,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            write!(f, "!")?;
        }
        write!(f, "{}(", self.name)?;
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            match a {
                Arg::Capture(c) => write!(f, "@{c}")?,
                Arg::Span(a, b) => write!(f, "@{a}..@{b}")?,
                Arg::Word(w) => write!(f, "{w}")?,
                Arg::Text(t) => write!(f, "{t:?}")?,
            }
        }
        write!(f, ")")
    }
}

/// Parse `!name(arg, ...)`. Errors say what was expected and where.
pub fn parse_call(src: &str) -> Result<Call, String> {
    let s = src.trim();
    let (negated, s) = match s.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let open = s
        .find('(')
        .ok_or_else(|| format!("expected `name(args)`, found `{src}`"))?;
    let name = s[..open].trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("bad name `{name}` in `{src}`"));
    }
    let body = s[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| format!("missing closing `)` in `{src}`"))?;
    let mut args = Vec::new();
    let mut chars = body.char_indices().peekable();
    let mut after_comma = false;
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, c)) = chars.peek() else {
            if after_comma {
                return Err(format!("trailing `,` in `{src}`"));
            }
            break;
        };
        if c == '"' {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => text.push('\n'),
                        Some((_, 't')) => text.push('\t'),
                        Some((_, other)) => text.push(other),
                        None => break,
                    },
                    other => text.push(other),
                }
            }
            if !closed {
                return Err(format!("unterminated string in `{src}`"));
            }
            args.push(Arg::Text(text));
        } else {
            let mut end = body.len();
            while let Some(&(i, c)) = chars.peek() {
                if c == ',' {
                    end = i;
                    break;
                }
                chars.next();
            }
            let word = body[start..end].trim();
            if word.is_empty() {
                return Err(format!("empty argument in `{src}`"));
            }
            args.push(parse_word(word).map_err(|e| format!("{e} in `{src}`"))?);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => break,
            Some((_, ',')) => after_comma = true,
            Some((_, c)) => return Err(format!("expected `,` or `)` but found `{c}` in `{src}`")),
        }
    }
    Ok(Call {
        negated,
        name: name.to_string(),
        args,
    })
}

fn parse_word(word: &str) -> Result<Arg, String> {
    let Some(cap) = word.strip_prefix('@') else {
        return Ok(Arg::Word(word.to_string()));
    };
    if let Some((a, b)) = cap.split_once("..") {
        let b = b
            .strip_prefix('@')
            .ok_or_else(|| format!("span `{word}` needs `@a..@b`"))?;
        return Ok(Arg::Span(valid_capture(a)?, valid_capture(b)?));
    }
    Ok(Arg::Capture(valid_capture(cap)?))
}

fn valid_capture(name: &str) -> Result<String, String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        Ok(name.to_string())
    } else {
        Err(format!("bad capture name `@{name}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_guards_and_edits() {
        let c = parse_call(r#"!not-used-after(@var, @stmt)"#).unwrap();
        assert!(c.negated);
        assert_eq!(c.name, "not-used-after");
        assert_eq!(
            c.args,
            vec![Arg::Capture("var".into()), Arg::Capture("stmt".into())]
        );

        let e = parse_call(r#"replace(@a..@b, "x, \"y\"\n")"#).unwrap();
        assert_eq!(e.args[0], Arg::Span("a".into(), "b".into()));
        assert_eq!(e.args[1], Arg::Text("x, \"y\"\n".into()));

        let w = parse_call("declared-type(@v, std::vector|std::deque)").unwrap();
        assert_eq!(w.args[1], Arg::Word("std::vector|std::deque".into()));
        assert_eq!(parse_call("in-loop()").unwrap().args, vec![]);
    }

    #[test]
    fn rejects_malformed_calls() {
        for bad in [
            "nope",
            "f(@a",
            "f(@a,)",
            r#"f("open)"#,
            "f(@)",
            "f(@a b c d ) x",
            "f(@a..b)",
        ] {
            assert!(parse_call(bad).is_err(), "{bad}");
        }
    }
}
