//! Gathering typed lines into one statement to run, as Python's interactive console does:
//! a simple statement runs at once, open brackets continue, and a compound statement
//! (`def`, `for`, `async with`, ...) continues until a blank line.

use crate::parser::is_incomplete;

/// What to do after a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to run (a blank or comment line at the prompt).
    Nothing,
    /// Ask for a continuation line (`...`).
    More,
    /// Run this source.
    Run(String),
    /// Run this source, then feed the line again: an unindented line after a compound
    /// statement ends it (Python would call that a syntax error; pasted code does it).
    RunThen(String, String),
}

#[derive(Default)]
pub struct Lines {
    lines: Vec<String>,
}

const COMPOUND: &[&str] = &[
    "if", "for", "while", "def", "class", "with", "try", "async", "match",
];
const CONTINUES: &[&str] = &["else", "elif", "except", "finally", "case"];

fn first_word(line: &str) -> &str {
    let t = line.trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    &t[..end]
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

impl Lines {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }

    fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }

    fn compound(&self) -> bool {
        self.lines
            .first()
            .is_some_and(|l| l.trim_start().starts_with('@') || COMPOUND.contains(&first_word(l)))
    }

    /// What is left when the input ends (a block not closed by a blank line).
    pub fn take_rest(&mut self) -> Option<String> {
        (!self.lines.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> String {
        let s = self.text();
        self.lines.clear();
        s
    }

    pub fn push(&mut self, line: &str) -> Step {
        if self.lines.is_empty() {
            if is_blank(line) {
                return Step::Nothing;
            }
            self.lines.push(line.to_string());
            return if is_incomplete(&self.text()) {
                Step::More
            } else {
                Step::Run(self.take())
            };
        }
        if !self.compound() {
            // Inside brackets or after a backslash: go on until the statement is whole.
            self.lines.push(line.to_string());
            return if is_incomplete(&self.text()) {
                Step::More
            } else {
                Step::Run(self.take())
            };
        }
        if line.trim().is_empty() {
            return Step::Run(self.take());
        }
        let unindented = !line.starts_with([' ', '\t']);
        if unindented && !CONTINUES.contains(&first_word(line)) && !is_incomplete(&self.text()) {
            return Step::RunThen(self.take(), line.to_string());
        }
        self.lines.push(line.to_string());
        Step::More
    }

    /// The indentation to offer on the next continuation line: the last line's, one level
    /// deeper after a line ending in `:`.
    pub fn next_indent(&self) -> String {
        let Some(last) = self.lines.last() else {
            return String::new();
        };
        let mut indent: String = last.chars().take_while(|c| *c == ' ').collect();
        let code = last.split('#').next().unwrap_or("").trim_end();
        if code.ends_with(':') {
            indent.push_str("    ");
        }
        indent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(lines: &[&str]) -> Vec<Step> {
        let mut b = Lines::default();
        lines.iter().map(|l| b.push(l)).collect()
    }

    #[test]
    fn simple_statement_runs_at_once() {
        assert_eq!(feed(&["1 + 1"]), vec![Step::Run("1 + 1\n".into())]);
        assert_eq!(feed(&["", "# note"]), vec![Step::Nothing, Step::Nothing]);
    }

    #[test]
    fn brackets_continue_until_closed() {
        assert_eq!(
            feed(&["print(1,", "2)"]),
            vec![Step::More, Step::Run("print(1,\n2)\n".into())]
        );
    }

    #[test]
    fn compound_statement_ends_at_blank_line() {
        let steps = feed(&["async def f():", "    return 1", ""]);
        assert_eq!(steps[0], Step::More);
        assert_eq!(steps[1], Step::More);
        assert_eq!(steps[2], Step::Run("async def f():\n    return 1\n".into()));
    }

    #[test]
    fn else_continues_and_unindented_line_ends_block() {
        let steps = feed(&["if x:", "    a", "else:", "    b", "print(2)"]);
        assert_eq!(steps[2], Step::More);
        assert_eq!(
            steps[4],
            Step::RunThen("if x:\n    a\nelse:\n    b\n".into(), "print(2)".into())
        );
    }

    #[test]
    fn indent_follows_colons() {
        let mut b = Lines::default();
        b.push("def f():");
        assert_eq!(b.next_indent(), "    ");
        b.push("    for i in x:");
        assert_eq!(b.next_indent(), "        ");
    }
}
