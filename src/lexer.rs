//! Tokens: a logos scanner for the raw tokens, wrapped by an indentation
//! pass that turns line structure into NEWLINE / INDENT / DEDENT.
//!
//! String literals are decoded here (escapes, bytes, f-strings); the
//! expressions inside f-strings are handed back to the parser, lexed over the
//! original source so that their spans stay byte offsets into it.

use logos::Logos;

use crate::ast::{Const, FPart};
use crate::parser::SyntaxError;
use crate::span::{Span, line_col};

/// A lexical error; `eof` marks errors caused only by the input ending early
/// (the REPL then asks for another line).
#[derive(Clone, Debug, PartialEq)]
pub struct LexError {
    pub err: SyntaxError,
    pub eof: bool,
}

impl LexError {
    pub fn new(start: usize, end: usize, message: impl Into<String>) -> LexError {
        LexError {
            err: SyntaxError {
                span: Span::new(start, end),
                message: message.into(),
                help: None,
            },
            eof: false,
        }
    }

    fn at_eof(mut self) -> LexError {
        self.eof = true;
        self
    }
}

/// The decoded value of a string literal token.
#[derive(Clone, Debug, PartialEq)]
pub enum StrLit {
    Str(String),
    Bytes(Vec<u8>),
    F(Vec<FPart>),
}

/// Errors the raw scanner reports from its callbacks.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RawErr {
    /// Nothing matched: an invalid character at the start of the slice.
    #[default]
    Unknown,
    /// An invalid character inside an identifier, at this offset in the slice.
    BadChar(usize),
    Unterminated,
    UnterminatedTriple,
    Complex,
    LeadingZeros,
}

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = RawErr)]
#[logos(skip r"[ \t\x0c]+")]
#[logos(skip(r"#[^\r\n]*", allow_greedy = true))]
#[logos(skip r"\\(\r\n|\n|\r)")]
pub enum Tok {
    // Produced by the indentation wrapper, never by logos.
    Newline,
    Indent,
    Dedent,
    /// A decoded string literal (the wrapper turns `RawStr` into this).
    Str(Box<StrLit>),

    #[regex(r"\r\n|\n|\r")]
    RawNewline,
    #[token("\\")]
    Backslash,
    #[regex(r#"([rRuUbBfF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])?["']"#, string_end)]
    RawStr,

    #[regex(r"[_a-zA-Z\x80-\u{10FFFF}][_a-zA-Z0-9\x80-\u{10FFFF}]*", name)]
    Name(String),

    #[regex(r"[0-9](_?[0-9])*", decimal)]
    #[regex(r"0[xX](_?[0-9a-fA-F])+", |l| radix(l, 16))]
    #[regex(r"0[oO](_?[0-7])+", |l| radix(l, 8))]
    #[regex(r"0[bB](_?[01])+", |l| radix(l, 2))]
    #[regex(
        r"[0-9](_?[0-9])*\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?",
        float
    )]
    #[regex(r"\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?", float)]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*", float)]
    #[regex(
        r"([0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?([eE][+-]?[0-9](_?[0-9])*)?|\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?)[jJ]",
        complex
    )]
    Number(Const),

    #[token("False")]
    False,
    #[token("None")]
    None,
    #[token("True")]
    True,
    #[token("and")]
    And,
    #[token("as")]
    As,
    #[token("assert")]
    Assert,
    #[token("async")]
    Async,
    #[token("await")]
    Await,
    #[token("break")]
    Break,
    #[token("class")]
    Class,
    #[token("continue")]
    Continue,
    #[token("def")]
    Def,
    #[token("del")]
    Del,
    #[token("elif")]
    Elif,
    #[token("else")]
    Else,
    #[token("except")]
    Except,
    #[token("finally")]
    Finally,
    #[token("for")]
    For,
    #[token("from")]
    From,
    #[token("global")]
    Global,
    #[token("if")]
    If,
    #[token("import")]
    Import,
    #[token("in")]
    In,
    #[token("is")]
    Is,
    #[token("lambda")]
    Lambda,
    #[token("nonlocal")]
    Nonlocal,
    #[token("not")]
    Not,
    #[token("or")]
    Or,
    #[token("pass")]
    Pass,
    #[token("raise")]
    Raise,
    #[token("return")]
    Return,
    #[token("try")]
    Try,
    #[token("while")]
    While,
    #[token("with")]
    With,
    #[token("yield")]
    Yield,

    #[token("(")]
    LPar,
    #[token(")")]
    RPar,
    #[token("[")]
    LSqb,
    #[token("]")]
    RSqb,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("|")]
    VBar,
    #[token("&")]
    Amper,
    #[token("<")]
    Less,
    #[token(">")]
    Greater,
    #[token("=")]
    Equal,
    #[token(".")]
    Dot,
    #[token("%")]
    Percent,
    #[token("==")]
    EqEqual,
    #[token("!=")]
    NotEqual,
    #[token("<=")]
    LessEqual,
    #[token(">=")]
    GreaterEqual,
    #[token("~")]
    Tilde,
    #[token("^")]
    Circumflex,
    #[token("<<")]
    LeftShift,
    #[token(">>")]
    RightShift,
    #[token("**")]
    DoubleStar,
    #[token("+=")]
    PlusEqual,
    #[token("-=")]
    MinEqual,
    #[token("*=")]
    StarEqual,
    #[token("/=")]
    SlashEqual,
    #[token("%=")]
    PercentEqual,
    #[token("&=")]
    AmperEqual,
    #[token("|=")]
    VBarEqual,
    #[token("^=")]
    CircumflexEqual,
    #[token("<<=")]
    LeftShiftEqual,
    #[token(">>=")]
    RightShiftEqual,
    #[token("**=")]
    DoubleStarEqual,
    #[token("//")]
    DoubleSlash,
    #[token("//=")]
    DoubleSlashEqual,
    #[token("@")]
    At,
    #[token("@=")]
    AtEqual,
    #[token("->")]
    RArrow,
    #[token("...")]
    Ellipsis,
    #[token(":=")]
    ColonEqual,
}

impl Tok {
    /// Keywords, names and literals: tokens that can begin or be an operand
    /// (used to word "expected an expression" only where it fits).
    pub fn starts_operand(&self) -> bool {
        use Tok::*;
        matches!(
            self,
            Name(_)
                | Number(_)
                | Str(_)
                | Indent
                | Dedent
                | False
                | None
                | True
                | And
                | As
                | Assert
                | Async
                | Await
                | Break
                | Class
                | Continue
                | Def
                | Del
                | Elif
                | Else
                | Except
                | Finally
                | For
                | From
                | Global
                | If
                | Import
                | In
                | Is
                | Lambda
                | Nonlocal
                | Not
                | Or
                | Pass
                | Raise
                | Return
                | Try
                | While
                | With
                | Yield
        )
    }
}

/// Identifier characters: an approximation of XID_Start / XID_Continue.
fn ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn ident_continue(c: char) -> bool {
    c == '_'
        || c.is_alphanumeric()
        || ('\u{300}'..='\u{36f}').contains(&c)
        || c == '\u{200c}'
        || c == '\u{200d}'
        || c == '\u{b7}'
}

fn name(lex: &mut logos::Lexer<Tok>) -> Result<String, RawErr> {
    let s = lex.slice();
    for (i, c) in s.char_indices() {
        let ok = if i == 0 {
            ident_start(c)
        } else {
            ident_continue(c)
        };
        if !ok {
            return Err(RawErr::BadChar(i));
        }
    }
    Ok(s.to_string())
}

fn decimal(lex: &mut logos::Lexer<Tok>) -> Result<Const, RawErr> {
    let digits: String = lex.slice().chars().filter(|&c| c != '_').collect();
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().any(|b| b != b'0') {
        return Err(RawErr::LeadingZeros);
    }
    Ok(match digits.parse::<i64>() {
        Ok(v) => Const::Int(v),
        Err(_) => Const::BigInt(digits.trim_start_matches('0').to_string()),
    })
}

fn radix(lex: &mut logos::Lexer<Tok>, radix: u32) -> Result<Const, RawErr> {
    let digits: String = lex.slice()[2..].chars().filter(|&c| c != '_').collect();
    if let Ok(v) = i64::from_str_radix(&digits, radix) {
        return Ok(Const::Int(v));
    }
    match num_bigint::BigUint::parse_bytes(digits.as_bytes(), radix) {
        Some(v) => Ok(Const::BigInt(v.to_string())),
        None => Err(RawErr::Unknown),
    }
}

fn complex(_: &mut logos::Lexer<Tok>) -> Result<Const, RawErr> {
    Err(RawErr::Complex)
}

fn float(lex: &mut logos::Lexer<Tok>) -> Result<Const, RawErr> {
    let digits: String = lex.slice().chars().filter(|&c| c != '_').collect();
    digits
        .parse::<f64>()
        .map(Const::Float)
        .map_err(|_| RawErr::Unknown)
}

/// Consume a string body after its opening quote (the prefix and quote are
/// already matched); decoding happens later in `decode_string`.
fn string_end(lex: &mut logos::Lexer<Tok>) -> Result<(), RawErr> {
    let q = *lex.slice().as_bytes().last().unwrap_or(&b'"');
    let rest = lex.remainder().as_bytes();
    if rest.len() >= 2 && rest[0] == q && rest[1] == q {
        let mut i = 2;
        while i < rest.len() {
            match rest[i] {
                b'\\' => i += 2,
                c if c == q && rest.len() >= i + 3 && rest[i + 1] == q && rest[i + 2] == q => {
                    lex.bump(i + 3);
                    return Ok(());
                }
                _ => i += 1,
            }
        }
        lex.bump(rest.len());
        return Err(RawErr::UnterminatedTriple);
    }
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' => {
                // Backslash-newline continues the literal on the next line.
                if rest.get(i + 1) == Some(&b'\r') && rest.get(i + 2) == Some(&b'\n') {
                    i += 3;
                } else {
                    i += 2;
                }
            }
            b'\n' | b'\r' => return Err(RawErr::Unterminated),
            c if c == q => {
                lex.bump(i + 1);
                return Ok(());
            }
            _ => i += 1,
        }
    }
    Err(RawErr::Unterminated)
}

pub type Spanned = (usize, Tok, usize);

/// What to lex: a whole module, or the expression part of an f-string
/// (no line structure, and brackets start one level deep).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Module,
    FExpr,
}

/// The tokens up to the first error, and that error if any.
pub struct Lexed {
    pub toks: Vec<Spanned>,
    pub err: Option<LexError>,
}

pub const MAX_INDENT: usize = 100;
pub const MAX_PARENS: usize = 200;

pub fn lex_module(src: &str) -> Lexed {
    lex(src, 0, src.len(), Mode::Module)
}

fn line_of(src: &str, pos: usize) -> usize {
    line_col(src, pos).0
}

fn closing_for(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// Lex `src[start..end]`; every span is an offset into the whole `src`.
pub fn lex(src: &str, start: usize, end: usize, mode: Mode) -> Lexed {
    let mut toks = Vec::new();
    let err = lex_into(src, start, end, mode, &mut toks).err();
    Lexed { toks, err }
}

fn lex_into(
    src: &str,
    base: usize,
    end: usize,
    mode: Mode,
    out: &mut Vec<Spanned>,
) -> Result<(), LexError> {
    let text = &src[base..end];
    // (columns with tabs to multiples of 8, columns with tabs as 1): both must
    // agree on the ordering, else tabs and spaces are mixed inconsistently.
    let mut indents: Vec<(usize, usize)> = vec![(0, 0)];
    let mut brackets: Vec<(char, usize)> = Vec::new();
    let mut at_line_start = mode == Mode::Module;
    let mut line_start = base;
    let mut lexer = Tok::lexer(text);
    while let Some(res) = lexer.next() {
        let r = lexer.span();
        let (s, e) = (r.start + base, r.end + base);
        let tok = match res {
            Ok(t) => t,
            Err(raw) => return Err(raw_error(src, raw, s, e, end)),
        };
        match tok {
            Tok::RawNewline => {
                if mode == Mode::Module && brackets.is_empty() {
                    if !at_line_start {
                        out.push((s, Tok::Newline, e));
                        at_line_start = true;
                    }
                    line_start = e;
                }
                continue;
            }
            Tok::Backslash => {
                return Err(if src[e..end].is_empty() {
                    LexError::new(s, e, "unexpected EOF while parsing").at_eof()
                } else {
                    LexError::new(
                        s,
                        e,
                        "unexpected character after line continuation character",
                    )
                });
            }
            _ => {}
        }
        if at_line_start {
            at_line_start = false;
            indent_line(src, line_start, s, &mut indents, out)?;
        }
        let tok = match tok {
            Tok::LPar | Tok::LSqb | Tok::LBrace => {
                let c = src[s..].chars().next().unwrap_or('(');
                brackets.push((c, s));
                if brackets.len() > MAX_PARENS {
                    return Err(LexError::new(s, e, "too many nested parentheses"));
                }
                tok
            }
            Tok::RPar | Tok::RSqb | Tok::RBrace => {
                let c = src[s..].chars().next().unwrap_or(')');
                match brackets.pop() {
                    None => {
                        let msg = if mode == Mode::FExpr {
                            format!("f-string: unmatched '{c}'")
                        } else {
                            format!("unmatched '{c}'")
                        };
                        return Err(LexError::new(s, e, msg));
                    }
                    Some((open, _)) if closing_for(open) != c => {
                        let msg = format!(
                            "closing parenthesis '{c}' does not match opening parenthesis '{open}'"
                        );
                        return Err(LexError::new(s, e, msg));
                    }
                    Some(_) => tok,
                }
            }
            Tok::RawStr => Tok::Str(Box::new(decode_string(src, s, e)?)),
            t => t,
        };
        out.push((s, tok, e));
    }
    if let Some(&(open, pos)) = brackets.last() {
        return Err(LexError::new(pos, pos + 1, format!("'{open}' was never closed")).at_eof());
    }
    if mode == Mode::Module {
        if !at_line_start {
            out.push((end, Tok::Newline, end));
        }
        for _ in 1..indents.len() {
            out.push((end, Tok::Dedent, end));
        }
    }
    Ok(())
}

/// Compare the indentation of the line starting at `line_start` (whose first
/// token is at `tok`) with the stack, emitting INDENT or DEDENTs.
fn indent_line(
    src: &str,
    line_start: usize,
    tok: usize,
    indents: &mut Vec<(usize, usize)>,
    out: &mut Vec<Spanned>,
) -> Result<(), LexError> {
    let (mut col, mut alt) = (0usize, 0usize);
    for b in src[line_start..tok].bytes() {
        match b {
            b' ' => {
                col += 1;
                alt += 1;
            }
            b'\t' => {
                col = (col / 8 + 1) * 8;
                alt += 1;
            }
            b'\x0c' => {
                col = 0;
                alt = 0;
            }
            _ => break,
        }
    }
    let tab_error = || {
        LexError::new(
            line_start,
            tok,
            "inconsistent use of tabs and spaces in indentation",
        )
    };
    let &(top, top_alt) = indents.last().unwrap_or(&(0, 0));
    if col == top {
        if alt != top_alt {
            return Err(tab_error());
        }
    } else if col > top {
        if alt <= top_alt {
            return Err(tab_error());
        }
        indents.push((col, alt));
        if indents.len() > MAX_INDENT + 1 {
            return Err(LexError::new(
                line_start,
                tok,
                "too many levels of indentation",
            ));
        }
        out.push((line_start, Tok::Indent, tok));
    } else {
        while indents.len() > 1 && col < indents[indents.len() - 1].0 {
            indents.pop();
            out.push((tok, Tok::Dedent, tok));
        }
        let &(top, top_alt) = indents.last().unwrap_or(&(0, 0));
        if col != top {
            return Err(LexError::new(
                tok,
                tok,
                "unindent does not match any outer indentation level",
            ));
        }
        if alt != top_alt {
            return Err(tab_error());
        }
    }
    Ok(())
}

fn raw_error(src: &str, raw: RawErr, s: usize, e: usize, end: usize) -> LexError {
    match raw {
        RawErr::Unknown | RawErr::BadChar(_) => {
            let at = match raw {
                RawErr::BadChar(i) => s + i,
                _ => s,
            };
            let c = src[at..].chars().next().unwrap_or(' ');
            let len = c.len_utf8();
            let msg = if c.is_control() || c.is_whitespace() {
                format!("invalid non-printable character U+{:04X}", c as u32)
            } else {
                format!("invalid character '{c}' (U+{:04X})", c as u32)
            };
            LexError::new(at, at + len, msg)
        }
        RawErr::Unterminated => LexError::new(
            s,
            e,
            format!(
                "unterminated string literal (detected at line {})",
                line_of(src, s)
            ),
        ),
        RawErr::UnterminatedTriple => LexError::new(
            s,
            e,
            format!(
                "unterminated triple-quoted string literal (detected at line {})",
                line_of(src, end)
            ),
        )
        .at_eof(),
        RawErr::Complex => LexError::new(s, e, "complex numbers are not supported"),
        RawErr::LeadingZeros => LexError::new(
            s,
            e,
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
        ),
    }
}

/// Decode the string literal token `src[s..e]` (prefix, quotes and body).
fn decode_string(src: &str, s: usize, e: usize) -> Result<StrLit, LexError> {
    let tok = &src[s..e];
    let prefix_len = tok.find(['\'', '"']).unwrap_or(0);
    let prefix = tok[..prefix_len].to_ascii_lowercase();
    let q = tok.as_bytes()[prefix_len];
    let qlen = if tok.len() >= prefix_len + 6
        && tok.as_bytes()[prefix_len + 1] == q
        && tok.as_bytes()[prefix_len + 2] == q
    {
        3
    } else {
        1
    };
    let (bs, be) = (s + prefix_len + qlen, e - qlen);
    let raw = prefix.contains('r');
    if prefix.contains('f') {
        let (parts, _) = fparts(src, bs, be, raw, false, 0)?;
        return Ok(StrLit::F(parts));
    }
    if prefix.contains('b') {
        if let Some((i, c)) = src[bs..be].char_indices().find(|(_, c)| !c.is_ascii()) {
            let _ = c;
            return Err(LexError::new(
                bs + i,
                bs + i + 1,
                "bytes can only contain ASCII literal characters",
            ));
        }
        let mut out = Vec::new();
        if raw {
            out.extend_from_slice(&src.as_bytes()[bs..be]);
        } else {
            decode_escapes(src, bs, be, &mut Sink::Bytes(&mut out))?;
        }
        return Ok(StrLit::Bytes(out));
    }
    let mut out = String::new();
    if raw {
        out.push_str(&src[bs..be]);
    } else {
        decode_escapes(src, bs, be, &mut Sink::Str(&mut out))?;
    }
    Ok(StrLit::Str(out))
}

enum Sink<'a> {
    Str(&'a mut String),
    Bytes(&'a mut Vec<u8>),
}

impl Sink<'_> {
    fn push_str(&mut self, s: &str) {
        match self {
            Sink::Str(o) => o.push_str(s),
            Sink::Bytes(o) => o.extend_from_slice(s.as_bytes()),
        }
    }

    fn push_code(&mut self, v: u32, at: usize, len: usize) -> Result<(), LexError> {
        match self {
            Sink::Str(o) => match char::from_u32(v) {
                Some(c) => o.push(c),
                None => {
                    return Err(LexError::new(
                        at,
                        at + len,
                        "(unicode error) surrogates and code points above U+10FFFF are not supported",
                    ));
                }
            },
            Sink::Bytes(o) => o.push((v & 0xff) as u8),
        }
        Ok(())
    }

    fn is_bytes(&self) -> bool {
        matches!(self, Sink::Bytes(_))
    }
}

/// Decode backslash escapes in `src[s..e]`; unknown escapes stay literal.
fn decode_escapes(src: &str, s: usize, e: usize, out: &mut Sink) -> Result<(), LexError> {
    let body = &src[s..e];
    let b = body.as_bytes();
    let mut i = 0;
    let mut lit = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&body[lit..i]);
        let at = s + i;
        let Some(c) = body[i + 1..].chars().next() else {
            // A lone trailing backslash (only reachable in f-string pieces).
            out.push_str("\\");
            i += 1;
            lit = i;
            continue;
        };
        let mut next = i + 1 + c.len_utf8();
        match c {
            '\n' => {}
            '\r' => {
                if b.get(next) == Some(&b'\n') {
                    next += 1;
                }
            }
            '\\' => out.push_str("\\"),
            '\'' => out.push_str("'"),
            '"' => out.push_str("\""),
            'a' => out.push_str("\x07"),
            'b' => out.push_str("\x08"),
            'f' => out.push_str("\x0c"),
            'n' => out.push_str("\n"),
            'r' => out.push_str("\r"),
            't' => out.push_str("\t"),
            'v' => out.push_str("\x0b"),
            '0'..='7' => {
                let mut v = 0u32;
                let mut j = i + 1;
                while j < b.len() && j < i + 4 && (b'0'..=b'7').contains(&b[j]) {
                    v = v * 8 + (b[j] - b'0') as u32;
                    j += 1;
                }
                next = j;
                out.push_code(v, at, j - i)?;
            }
            'x' | 'u' | 'U' if c == 'x' || !out.is_bytes() => {
                let n = match c {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits = body.get(i + 2..i + 2 + n).unwrap_or("");
                let v = if digits.len() == n && digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                    u32::from_str_radix(digits, 16).ok()
                } else {
                    None
                };
                let Some(v) = v else {
                    let what = match c {
                        'x' => "\\xXX",
                        'u' => "\\uXXXX",
                        _ => "\\UXXXXXXXX",
                    };
                    return Err(LexError::new(
                        at,
                        at + 2,
                        format!("(unicode error) truncated {what} escape"),
                    ));
                };
                next = i + 2 + n;
                out.push_code(v, at, next - i)?;
            }
            'N' if !out.is_bytes() => {
                return Err(LexError::new(
                    at,
                    at + 2,
                    "\\N{...} escapes are not supported",
                ));
            }
            _ => {
                // Python keeps unknown escapes as written.
                out.push_str(&body[i..next]);
            }
        }
        i = next;
        lit = i;
    }
    out.push_str(&body[lit..]);
    Ok(())
}

fn push_lit(parts: &mut Vec<FPart>, s: String) {
    if s.is_empty() {
        return;
    }
    if let Some(FPart::Lit(prev)) = parts.last_mut() {
        prev.push_str(&s);
    } else {
        parts.push(FPart::Lit(s));
    }
}

fn decode_piece(src: &str, s: usize, e: usize, raw: bool) -> Result<String, LexError> {
    let mut out = String::new();
    if raw {
        out.push_str(&src[s..e]);
    } else {
        decode_escapes(src, s, e, &mut Sink::Str(&mut out))?;
    }
    Ok(out)
}

/// Parse f-string parts in `src[pos..end]`. In a format spec (`in_spec`)
/// parsing stops at the `}` closing the replacement field, whose position is
/// returned.
fn fparts(
    src: &str,
    mut pos: usize,
    end: usize,
    raw: bool,
    in_spec: bool,
    nest: usize,
) -> Result<(Vec<FPart>, usize), LexError> {
    if nest > 2 {
        return Err(LexError::new(
            pos,
            pos,
            "f-string: expressions nested too deeply",
        ));
    }
    let b = src.as_bytes();
    let mut parts = Vec::new();
    let mut lit = pos;
    while pos < end {
        match b[pos] {
            b'\\' if !raw => {
                // Skip the escaped character, but a brace after a backslash
                // still opens or closes a field.
                if pos + 1 < end && b[pos + 1] == b'N' && b.get(pos + 2) == Some(&b'{') {
                    pos = src[pos..end].find('}').map_or(end, |i| pos + i + 1);
                } else if pos + 1 < end && !matches!(b[pos + 1], b'{' | b'}') {
                    pos += 2;
                } else {
                    pos += 1;
                }
            }
            b'{' if !in_spec && b.get(pos + 1) == Some(&b'{') && pos + 1 < end => {
                push_lit(&mut parts, decode_piece(src, lit, pos + 1, raw)?);
                pos += 2;
                lit = pos;
            }
            b'}' if !in_spec => {
                if pos + 1 < end && b[pos + 1] == b'}' {
                    push_lit(&mut parts, decode_piece(src, lit, pos + 1, raw)?);
                    pos += 2;
                    lit = pos;
                } else {
                    return Err(LexError::new(
                        pos,
                        pos + 1,
                        "f-string: single '}' is not allowed",
                    ));
                }
            }
            b'}' => {
                push_lit(&mut parts, decode_piece(src, lit, pos, raw)?);
                return Ok((parts, pos));
            }
            b'{' => {
                push_lit(&mut parts, decode_piece(src, lit, pos, raw)?);
                let (part, after) = field(src, pos + 1, end, raw, nest)?;
                parts.push(part);
                pos = after;
                lit = pos;
            }
            _ => pos += 1,
        }
    }
    if in_spec {
        return Err(LexError::new(end, end, "f-string: expecting '}'"));
    }
    push_lit(&mut parts, decode_piece(src, lit, end, raw)?);
    Ok((parts, end))
}

/// Parse one replacement field whose expression starts at `pos` (just after
/// `{`); returns the part and the position after its closing `}`.
fn field(
    src: &str,
    mut pos: usize,
    end: usize,
    raw: bool,
    nest: usize,
) -> Result<(FPart, usize), LexError> {
    let b = src.as_bytes();
    let start = pos;
    let mut depth = 0usize;
    while pos < end {
        let c = b[pos];
        match c {
            b'\'' | b'"' => {
                pos = skip_inner_string(src, pos, end)?;
                continue;
            }
            b'\\' => {
                return Err(LexError::new(
                    pos,
                    pos + 1,
                    "f-string expression part cannot include a backslash",
                ));
            }
            b'#' => {
                return Err(LexError::new(
                    pos,
                    pos + 1,
                    "f-string expression part cannot include '#'",
                ));
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth > 0 => depth -= 1,
            _ if depth == 0 && matches!(c, b'!' | b':' | b'}' | b'=' | b'<' | b'>') => {
                let next = b.get(pos + 1).copied().filter(|_| pos + 1 < end);
                if next == Some(b'=') && matches!(c, b'!' | b'=' | b'<' | b'>') {
                    pos += 2;
                    continue;
                }
                if c != b'<' && c != b'>' {
                    break;
                }
            }
            _ => {}
        }
        pos += 1;
    }
    if pos >= end {
        return Err(LexError::new(start - 1, end, "f-string: expecting '}'"));
    }
    let expr_end = pos;
    if src[start..expr_end].trim().is_empty() {
        return Err(LexError::new(
            start - 1,
            expr_end + 1,
            "f-string: empty expression not allowed",
        ));
    }
    let mut debug_text = None;
    if b[pos] == b'=' {
        pos += 1;
        while pos < end && matches!(b[pos], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            pos += 1;
        }
        debug_text = Some(src[start..pos].to_string());
    }
    let mut conversion = None;
    if pos < end && b[pos] == b'!' {
        match b.get(pos + 1).filter(|_| pos + 1 < end) {
            Some(&c @ (b'r' | b's' | b'a')) => conversion = Some(c as char),
            _ => {
                return Err(LexError::new(
                    pos,
                    pos + 1,
                    "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                ));
            }
        }
        pos += 2;
    }
    let mut spec = None;
    if pos < end && b[pos] == b':' {
        let (parts, p) = fparts(src, pos + 1, end, raw, true, nest + 1)?;
        spec = Some(parts);
        pos = p;
    }
    if pos >= end || b[pos] != b'}' {
        return Err(LexError::new(
            start - 1,
            pos.min(end),
            "f-string: expecting '}'",
        ));
    }
    if debug_text.is_some() && conversion.is_none() && spec.is_none() {
        conversion = Some('r');
    }
    let expr = crate::parser::parse_fstring_expr(src, start, expr_end)?;
    Ok((
        FPart::Expr {
            expr: Box::new(expr),
            conversion,
            spec,
            debug_text,
        },
        pos + 1,
    ))
}

/// Skip a string literal nested in an f-string expression; returns the
/// position after its closing quote.
fn skip_inner_string(src: &str, pos: usize, end: usize) -> Result<usize, LexError> {
    let b = src.as_bytes();
    let q = b[pos];
    let triple = pos + 2 < end && b[pos + 1] == q && b[pos + 2] == q;
    let mut i = if triple { pos + 3 } else { pos + 1 };
    while i < end {
        if b[i] == q {
            if !triple {
                return Ok(i + 1);
            }
            if i + 2 < end && b[i + 1] == q && b[i + 2] == q {
                return Ok(i + 3);
            }
        }
        i += 1;
    }
    Err(LexError::new(pos, end, "f-string: unterminated string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let l = lex_module(src);
        assert!(l.err.is_none(), "{:?}", l.err);
        l.toks.into_iter().map(|t| t.1).collect()
    }

    fn err(src: &str) -> String {
        lex_module(src).err.expect("expected an error").err.message
    }

    fn n(s: &str) -> Tok {
        Tok::Name(s.to_string())
    }

    #[test]
    fn simple_block() {
        use Tok::*;
        assert_eq!(
            kinds("if x:\n    y\nz\n"),
            vec![
                If,
                n("x"),
                Colon,
                Newline,
                Indent,
                n("y"),
                Newline,
                Dedent,
                n("z"),
                Newline
            ]
        );
    }

    #[test]
    fn tabs_and_spaces() {
        use Tok::*;
        // A tab reaches column 8, as do 8 spaces, but mixing them is ambiguous.
        assert_eq!(
            kinds("if x:\n\ty\n\tz\n"),
            vec![
                If,
                n("x"),
                Colon,
                Newline,
                Indent,
                n("y"),
                Newline,
                n("z"),
                Newline,
                Dedent
            ]
        );
        assert_eq!(
            err("if x:\n\ty\n        z\n"),
            "inconsistent use of tabs and spaces in indentation"
        );
    }

    #[test]
    fn blank_and_comment_lines() {
        use Tok::*;
        assert_eq!(
            kinds("# c\n\nif x:  # c\n\n   # only a comment\n  \n    y\n"),
            vec![If, n("x"), Colon, Newline, Indent, n("y"), Newline, Dedent]
        );
    }

    #[test]
    fn bad_dedent() {
        assert_eq!(
            err("if x:\n    y\n  z\n"),
            "unindent does not match any outer indentation level"
        );
    }

    #[test]
    fn brackets_span_lines() {
        use Tok::*;
        let ks = kinds("x = (1,\n  2\n)\ny\n");
        assert_eq!(ks.iter().filter(|t| **t == Newline).count(), 2);
        assert!(!ks.contains(&Indent));
        assert_eq!(err("x = (1,\n"), "'(' was never closed");
        assert_eq!(err("x = 1)\n"), "unmatched ')'");
        assert_eq!(
            err("x = (1]\n"),
            "closing parenthesis ']' does not match opening parenthesis '('"
        );
    }

    #[test]
    fn backslash_continuation() {
        use Tok::*;
        assert_eq!(
            kinds("x = 1 + \\\n    2\n"),
            vec![
                n("x"),
                Equal,
                Number(Const::Int(1)),
                Plus,
                Number(Const::Int(2)),
                Newline
            ]
        );
        let e = lex_module("x = \\").err.unwrap();
        assert!(e.eof);
    }

    #[test]
    fn eof_inside_block_and_no_trailing_newline() {
        use Tok::*;
        let l = lex_module("if x:\n  if y:\n    z");
        let ks: Vec<_> = l.toks.iter().map(|t| t.1.clone()).collect();
        assert_eq!(&ks[ks.len() - 3..], &[Newline, Dedent, Dedent]);
        let end = "if x:\n  if y:\n    z".len();
        for t in &l.toks[l.toks.len() - 3..] {
            assert_eq!((t.0, t.2), (end, end));
        }
    }

    #[test]
    fn crlf() {
        use Tok::*;
        assert_eq!(
            kinds("if x:\r\n    y\r\nz\r\n"),
            vec![
                If,
                n("x"),
                Colon,
                Newline,
                Indent,
                n("y"),
                Newline,
                Dedent,
                n("z"),
                Newline
            ]
        );
    }

    #[test]
    fn dedent_spans_are_zero_width() {
        let src = "if a:\n  if b:\n    c\nd\n";
        let l = lex_module(src);
        let d = src.find('d').unwrap();
        let dedents: Vec<_> = l.toks.iter().filter(|t| t.1 == Tok::Dedent).collect();
        assert_eq!(dedents.len(), 2);
        for t in dedents {
            assert_eq!((t.0, t.2), (d, d));
        }
    }

    #[test]
    fn numbers() {
        use Tok::*;
        assert_eq!(
            kinds("1_000 0xff 0o17 0b101 1.5 1e-3 .5 5. 1_000.5"),
            vec![
                Number(Const::Int(1000)),
                Number(Const::Int(255)),
                Number(Const::Int(15)),
                Number(Const::Int(5)),
                Number(Const::Float(1.5)),
                Number(Const::Float(1e-3)),
                Number(Const::Float(0.5)),
                Number(Const::Float(5.0)),
                Number(Const::Float(1000.5)),
                Newline
            ]
        );
        assert_eq!(
            kinds("0x10000000000000000")[0],
            Number(Const::BigInt("18446744073709551616".into()))
        );
        assert_eq!(
            kinds("99999999999999999999")[0],
            Number(Const::BigInt("99999999999999999999".into()))
        );
        assert_eq!(err("1j"), "complex numbers are not supported");
    }

    #[test]
    fn strings() {
        let s = |src: &str| match kinds(src).remove(0) {
            Tok::Str(b) => *b,
            t => panic!("{t:?}"),
        };
        assert_eq!(
            s(r#"'a\n\t\x41\u00e9\101\q'"#),
            StrLit::Str("a\n\tAéA\\q".into())
        );
        assert_eq!(s(r#"r'a\n'"#), StrLit::Str("a\\n".into()));
        assert_eq!(s(r#"Rb'a\n'"#), StrLit::Bytes(b"a\\n".to_vec()));
        assert_eq!(s(r#"b'\x00\n'"#), StrLit::Bytes(vec![0, 10]));
        assert_eq!(s("'''a\nb'''"), StrLit::Str("a\nb".into()));
        assert_eq!(s("'a\\\nb'"), StrLit::Str("ab".into()));
        assert!(err("x = 'abc\n").starts_with("unterminated string literal (detected at line 1)"));
        let e = lex_module("x = '''abc\n\n").err.unwrap();
        assert!(e.eof);
        assert_eq!(
            e.err.message,
            "unterminated triple-quoted string literal (detected at line 3)"
        );
    }

    #[test]
    fn unicode_names() {
        assert_eq!(kinds("变量 = 1")[0], n("变量"));
        assert_eq!(err("x = a … b"), "invalid character '…' (U+2026)");
    }

    #[test]
    fn nesting_limits() {
        let deep = "(".repeat(250);
        assert_eq!(err(&deep), "too many nested parentheses");
        let mut src = String::new();
        for i in 0..110 {
            src.push_str(&" ".repeat(i));
            src.push_str("if x:\n");
        }
        assert_eq!(err(&src), "too many levels of indentation");
    }
}
