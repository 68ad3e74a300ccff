//! Colouring the line being typed: keywords, strings, numbers, comments. A small scanner
//! rather than the real lexer, because half-typed lines (an open string) are the normal
//! case here and must colour sensibly.

pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

const KEYWORD: &str = "\x1b[1;35m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const COMMENT: &str = "\x1b[2;37m";
const RESET: &str = "\x1b[0m";

fn paint(out: &mut String, colour: &str, text: &str) {
    out.push_str(colour);
    out.push_str(text);
    out.push_str(RESET);
}

/// The line with ANSI colours added.
pub fn highlight(line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let len = if c == '#' {
            paint(&mut out, COMMENT, rest);
            rest.len()
        } else if let Some(n) = string_len(rest) {
            paint(&mut out, STRING, &rest[..n]);
            n
        } else if c.is_ascii_digit() {
            let n = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            paint(&mut out, NUMBER, &rest[..n]);
            n
        } else if c.is_alphabetic() || c == '_' {
            let n = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if KEYWORDS.contains(&&rest[..n]) {
                paint(&mut out, KEYWORD, &rest[..n]);
            } else {
                out.push_str(&rest[..n]);
            }
            n
        } else {
            out.push(c);
            c.len_utf8()
        };
        rest = &rest[len..];
    }
    out
}

/// Length of the string literal (with any f/r/b prefix) at the start of `s`, up to the end
/// of the line if it is not closed yet.
fn string_len(s: &str) -> Option<usize> {
    let prefix = s
        .find(|c: char| !matches!(c, 'f' | 'F' | 'r' | 'R' | 'b' | 'B'))
        .unwrap_or(s.len());
    if prefix > 2 {
        return None;
    }
    let body = &s[prefix..];
    let quote = body.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (open, close) = if body.starts_with(&triple) {
        (3, triple.as_str())
    } else {
        (1, &body[..1])
    };
    let mut i = open;
    while i < body.len() {
        if body[i..].starts_with('\\') {
            i += 1 + body[i + 1..].chars().next().map_or(0, char::len_utf8);
        } else if body[i..].starts_with(close) {
            return Some(prefix + i + close.len());
        } else {
            i += body[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    Some(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_each_kind() {
        let h = highlight("await f('准备', 3) # x");
        assert!(h.starts_with(&format!("{KEYWORD}await{RESET}")));
        assert!(h.contains(&format!("{STRING}'准备'{RESET}")));
        assert!(h.contains(&format!("{NUMBER}3{RESET}")));
        assert!(h.ends_with(&format!("{COMMENT}# x{RESET}")));
    }

    #[test]
    fn open_string_runs_to_the_end() {
        assert_eq!(highlight("'abc"), format!("{STRING}'abc{RESET}"));
        assert_eq!(
            highlight("fr\"a\\\"b\""),
            format!("{STRING}fr\"a\\\"b\"{RESET}")
        );
    }

    #[test]
    fn identifiers_that_start_like_prefixes_are_not_strings() {
        assert_eq!(highlight("first"), "first");
    }
}
