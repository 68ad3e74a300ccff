//! The parser: lexes the whole input, runs the LALRPOP grammar over the
//! tokens, and turns LALRPOP's errors into Python-style messages.

use std::cell::Cell;
use std::fmt;

use lalrpop_util::ParseError;

use crate::ast::{Block, Expr, FPart, Stmt, StmtKind};
use crate::lexer::{self, LexError, Mode, Tok};
use crate::span::{Span, line_col};

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused,
        unused_parens,
        unused_qualifications
    )]
    grammar,
    "/aio.rs"
);

pub mod helpers;

/// A syntax error, with a message worded like CPython's.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// The deepest expression/statement nesting accepted.
pub const MAX_DEPTH: usize = 1000;

/// At most this many errors are reported from one parse.
const MAX_ERRORS: usize = 10;

/// Parse a whole module. Err holds at least one error; after an error the
/// parser resynchronises at the next top-level statement and goes on.
pub fn parse(src: &str) -> Result<Block, Vec<SyntaxError>> {
    helpers::reset_depths();
    let lexed = lexer::lex_module(src);
    let toks = &lexed.toks;
    let mut errors = Vec::new();
    let mut start = 0;
    loop {
        match parse_tokens(src, &toks[start..], lexed.err.as_ref()) {
            Ok(block) => {
                if errors.is_empty() {
                    return match check_depth(&block) {
                        Ok(()) => Ok(block),
                        Err(e) => Err(vec![e]),
                    };
                }
                break;
            }
            Err(f) => {
                errors.push(f.err);
                if f.from_lexer || errors.len() >= MAX_ERRORS {
                    break;
                }
                match resync_point(toks, start + f.index) {
                    Some(j) => start = j,
                    None => break,
                }
            }
        }
    }
    Err(errors)
}

/// For the REPL: true when `src` fails only because the input ended early.
pub fn is_incomplete(src: &str) -> bool {
    helpers::reset_depths();
    let lexed = lexer::lex_module(src);
    match parse_tokens(src, &lexed.toks, lexed.err.as_ref()) {
        Ok(_) => false,
        Err(f) => f.eof,
    }
}

/// Parse the expression part of an f-string, `src[start..end]`, as if it
/// were parenthesized; spans stay offsets into `src`.
pub(crate) fn parse_fstring_expr(src: &str, start: usize, end: usize) -> Result<Expr, LexError> {
    let prefix = |mut e: LexError| {
        if !e.err.message.starts_with("f-string") {
            e.err.message = format!("f-string: {}", e.err.message);
        }
        e.eof = false;
        e
    };
    let lexed = lexer::lex(src, start, end, Mode::FExpr);
    if let Some(e) = lexed.err {
        return Err(prefix(e));
    }
    let mut toks = Vec::with_capacity(lexed.toks.len() + 3);
    toks.push((start, Tok::LPar, start));
    toks.extend(lexed.toks);
    toks.push((end, Tok::RPar, end));
    toks.push((end, Tok::Newline, end));
    match parse_tokens(src, &toks, None) {
        Ok(mut block) if block.len() == 1 => match block.pop().map(|s| s.node) {
            Some(StmtKind::Expr(e)) => Ok(e),
            _ => Err(LexError::new(start, end, "f-string: invalid syntax")),
        },
        Ok(_) => Err(LexError::new(start, end, "f-string: invalid syntax")),
        Err(f) => Err(prefix(LexError {
            err: f.err,
            eof: false,
        })),
    }
}

struct Failure {
    err: SyntaxError,
    /// Failed only because the input ended.
    eof: bool,
    /// The error came from the lexer (nothing after it can be parsed).
    from_lexer: bool,
    /// Index (into the tokens given) of the token where parsing stopped.
    index: usize,
}

fn parse_tokens(
    src: &str,
    toks: &[lexer::Spanned],
    lex_err: Option<&LexError>,
) -> Result<Block, Failure> {
    let pulled = Cell::new(0usize);
    let lexer_hit = Cell::new(false);
    let iter = toks
        .iter()
        .map(|t| {
            pulled.set(pulled.get() + 1);
            Ok(t.clone())
        })
        .chain(lex_err.iter().map(|e| {
            lexer_hit.set(true);
            Err((*e).clone())
        }));
    let res = grammar::ModuleParser::new().parse(iter);
    res.map_err(|e| {
        let index = pulled.get().saturating_sub(1);
        if lexer_hit.get()
            && let ParseError::User { error } = &e
            && Some(error) == lex_err
        {
            return Failure {
                err: error.err.clone(),
                eof: error.eof,
                from_lexer: true,
                index: toks.len(),
            };
        }
        let eof = matches!(e, ParseError::UnrecognizedEof { .. });
        let index = if eof { toks.len() } else { index };
        Failure {
            err: translate(src, toks, index, e),
            eof,
            from_lexer: false,
            index,
        }
    })
}

/// The next token index after `from` that starts a top-level statement.
fn resync_point(toks: &[lexer::Spanned], from: usize) -> Option<usize> {
    let mut depth = 0i64;
    for (i, t) in toks.iter().enumerate() {
        if i > from
            && depth == 0
            && matches!(toks[i - 1].1, Tok::Newline | Tok::Dedent)
            && !matches!(t.1, Tok::Dedent | Tok::Indent)
        {
            return Some(i);
        }
        match t.1 {
            Tok::Indent => depth += 1,
            Tok::Dedent => depth -= 1,
            _ => {}
        }
    }
    None
}

fn err(span: Span, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        span,
        message: message.into(),
        help: None,
    }
}

/// Index of the first token of the logical line holding token `i`.
fn line_start(toks: &[lexer::Spanned], i: usize) -> usize {
    let mut j = i.min(toks.len());
    while j > 0 && !matches!(toks[j - 1].1, Tok::Newline | Tok::Indent | Tok::Dedent) {
        j -= 1;
    }
    j
}

/// "expected an indented block after ..." for the block header ending just
/// before token `i` (which follows `:` NEWLINE).
fn indent_message(src: &str, toks: &[lexer::Spanned], i: usize) -> String {
    let colon = i.saturating_sub(2);
    let mut s = line_start(toks, colon);
    // Skip decorators: their lines end in NEWLINE and start with `@`.
    if toks.get(s).is_some_and(|t| t.1 == Tok::Async) {
        s += 1;
    }
    let Some((pos, tok, _)) = toks.get(s) else {
        return "expected an indented block".to_string();
    };
    let line = line_col(src, *pos).0;
    let what = match tok {
        Tok::Def => "function definition".to_string(),
        Tok::Class => "class definition".to_string(),
        Tok::If => "'if' statement".to_string(),
        Tok::Elif => "'elif' statement".to_string(),
        Tok::Else => "'else' statement".to_string(),
        Tok::While => "'while' statement".to_string(),
        Tok::For => "'for' statement".to_string(),
        Tok::Try => "'try' statement".to_string(),
        Tok::Except => "'except' statement".to_string(),
        Tok::Finally => "'finally' statement".to_string(),
        Tok::With => "'with' statement".to_string(),
        _ => return "expected an indented block".to_string(),
    };
    format!("expected an indented block after {what} on line {line}")
}

fn translate(
    src: &str,
    toks: &[lexer::Spanned],
    index: usize,
    e: ParseError<usize, Tok, LexError>,
) -> SyntaxError {
    let end = src.len();
    match e {
        ParseError::User { error } => error.err,
        ParseError::InvalidToken { location } => {
            err(Span::new(location, location + 1), "invalid syntax")
        }
        ParseError::ExtraToken { token } => err(Span::new(token.0, token.2), "invalid syntax"),
        ParseError::UnrecognizedEof { expected, .. } => {
            let span = Span::new(end, end);
            if expected.iter().any(|e| e == "INDENT") {
                err(span, indent_message(src, toks, toks.len()))
            } else {
                err(span, "unexpected EOF while parsing")
            }
        }
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let span = Span::new(l, r);
            let has = |s: &str| expected.iter().any(|e| e == s);
            let first = line_start(toks, index);
            let line_kw = toks.get(first).map(|t| &t.1);
            if tok == Tok::Indent {
                return err(span, "unexpected indent");
            }
            if has("INDENT") {
                return err(span, indent_message(src, toks, index));
            }
            if tok == Tok::Newline && has("\":\"") {
                return err(span, "expected ':'");
            }
            if tok == Tok::Equal && matches!(line_kw, Some(Tok::If | Tok::Elif | Tok::While)) {
                return SyntaxError {
                    span,
                    message: "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"
                        .to_string(),
                    help: Some("use `==` to compare values".to_string()),
                };
            }
            if index == first + 1
                && matches!(toks.get(first), Some((_, Tok::Name(n), _)) if n == "print")
                && matches!(tok, Tok::Str(_) | Tok::Number(_) | Tok::Name(_))
            {
                return SyntaxError {
                    span: Span::new(toks[first].0, r),
                    message: "Missing parentheses in call to 'print'. Did you mean print(...)?"
                        .to_string(),
                    help: Some("did you mean print(...)?".to_string()),
                };
            }
            if index > first && inside_brackets(&toks[first..index]) {
                let prev = &toks[index - 1].1;
                let prev_ends_operand = matches!(
                    prev,
                    Tok::Name(_)
                        | Tok::Number(_)
                        | Tok::Str(_)
                        | Tok::RPar
                        | Tok::RSqb
                        | Tok::RBrace
                );
                if prev_ends_operand && matches!(tok, Tok::Name(_) | Tok::Number(_) | Tok::Str(_)) {
                    return err(span, "invalid syntax. Perhaps you forgot a comma?");
                }
            }
            if has("Number") && !tok.starts_operand() {
                return err(span, "expected an expression");
            }
            err(span, "invalid syntax")
        }
    }
}

fn inside_brackets(toks: &[lexer::Spanned]) -> bool {
    let mut depth = 0i64;
    for t in toks {
        match t.1 {
            Tok::LPar | Tok::LSqb | Tok::LBrace => depth += 1,
            Tok::RPar | Tok::RSqb | Tok::RBrace => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}

/// Reject nesting deeper than `MAX_DEPTH`, walking with an explicit stack so
/// that the check itself cannot overflow.
fn check_depth(block: &Block) -> Result<(), SyntaxError> {
    enum Node<'a> {
        S(&'a Stmt),
        E(&'a Expr),
    }
    let mut stack: Vec<(Node, usize)> = block.iter().map(|s| (Node::S(s), 1)).collect();
    let mut exprs = Vec::new();
    let mut stmts = Vec::new();
    while let Some((node, depth)) = stack.pop() {
        let span = match node {
            Node::S(s) => s.span,
            Node::E(e) => e.span,
        };
        if depth > MAX_DEPTH {
            return Err(err(span, "too deeply nested expression"));
        }
        exprs.clear();
        stmts.clear();
        match node {
            Node::S(s) => helpers::stmt_children(s, &mut exprs, &mut stmts),
            Node::E(e) => helpers::expr_children(&e.node, &mut exprs),
        }
        stack.extend(exprs.drain(..).map(|e| (Node::E(e), depth + 1)));
        stack.extend(stmts.drain(..).map(|s| (Node::S(s), depth + 1)));
    }
    Ok(())
}

/// Visit the nested expressions of f-string parts (spec nesting is shallow).
pub(crate) fn fpart_exprs<'a>(parts: &'a [FPart], out: &mut Vec<&'a Expr>) {
    for p in parts {
        if let FPart::Expr { expr, spec, .. } = p {
            out.push(expr);
            if let Some(spec) = spec {
                fpart_exprs(spec, out);
            }
        }
    }
}

#[cfg(test)]
mod tests;
