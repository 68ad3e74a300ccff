//! Methods of `str`. All positions are in code points, not bytes.

use std::rc::Rc;

use super::args::{self, params, recv_str};
use super::unicode::{self as uni, in_table};
use crate::object::{CallArgs, NativeFn, PyResult, PyStr};
use crate::types::{Types, type_error, type_name, value_error};
use crate::value::Value;
use crate::vm::Vm;

// ---------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------

/// Python's str.isspace(): Unicode White_Space plus the ASCII separators \x1c-\x1f.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

pub fn py_isdecimal(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_table(uni::DECIMAL, c))
}

pub fn py_isdigit(c: char) -> bool {
    py_isdecimal(c) || (!c.is_ascii() && in_table(uni::DIGIT_EXTRA, c))
}

pub fn py_isnumeric(c: char) -> bool {
    py_isdigit(c) || (!c.is_ascii() && in_table(uni::NUMERIC_EXTRA, c))
}

pub fn py_isalpha(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(uni::ALPHA, c)
    }
}

fn py_isalnum(c: char) -> bool {
    py_isalpha(c) || py_isnumeric(c)
}

/// Cased characters (have an upper/lower distinction).
fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase(c)
}

fn is_titlecase(c: char) -> bool {
    matches!(c as u32, 0x1c5 | 0x1c8 | 0x1cb | 0x1f2 | 0x1f88..=0x1f8f | 0x1f98..=0x1f9f | 0x1fa8..=0x1faf | 0x1fbc | 0x1fcc | 0x1ffc)
}

/// Titlecase mapping: uppercase, except the characters with their own titlecase form
/// (digraphs, ligatures, Greek with ypogegrammeni).
fn push_title(out: &mut String, c: char) {
    match uni::TITLECASE.binary_search_by_key(&(c as u32), |&(k, _)| k) {
        Ok(i) => out.push_str(uni::TITLECASE[i].1),
        Err(_) => out.extend(c.to_uppercase()),
    }
}

/// `repr(str)`: CPython's quoting and escaping rules (non-printable characters escaped).
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    // Printable characters are copied in whole runs; only the others are escaped one by one.
    let printable = |c: char| match c as u32 {
        n @ 0x20..0x7f => n != u32::from(b'\\') && c != quote,
        0..0x20 | 0x7f..0xa1 | 0xad => false,
        0xa1..0x100 => true,
        _ => !in_table(uni::PRINTABLE_NOT, c),
    };
    let mut run = 0;
    for (i, c) in s.char_indices() {
        if printable(c) {
            continue;
        }
        out.push_str(&s[run..i]);
        run = i + c.len_utf8();
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            _ => {
                use std::fmt::Write;
                let n = c as u32;
                let _ = if n < 0x100 {
                    write!(out, "\\x{n:02x}")
                } else if n < 0x10000 {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
        }
    }
    out.push_str(&s[run..]);
    out.push(quote);
    out
}

// ---------------------------------------------------------------------------
// Pure helpers (unit-tested)
// ---------------------------------------------------------------------------

/// str.split() with no separator: runs of whitespace separate, no empty strings.
pub fn split_whitespace(s: &str, maxsplit: i64) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(py_isspace);
    let mut left = maxsplit;
    while !rest.is_empty() {
        if left == 0 {
            // The remainder keeps its trailing whitespace, like CPython.
            out.push(rest);
            return out;
        }
        let end = rest.find(py_isspace).unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = rest[end..].trim_start_matches(py_isspace);
        left -= 1;
    }
    out
}

/// str.rsplit() with no separator.
pub fn rsplit_whitespace(s: &str, maxsplit: i64) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim_end_matches(py_isspace);
    let mut left = maxsplit;
    while !rest.is_empty() {
        if left == 0 {
            out.push(rest);
            break;
        }
        let start = rest
            .rfind(py_isspace)
            .map(|i| i + rest[i..].chars().next().map_or(1, |c| c.len_utf8()))
            .unwrap_or(0);
        out.push(&rest[start..]);
        rest = rest[..start].trim_end_matches(py_isspace);
        left -= 1;
    }
    out.reverse();
    out
}

pub fn split_sep<'a>(s: &'a str, sep: &str, maxsplit: i64) -> Vec<&'a str> {
    if maxsplit < 0 {
        s.split(sep).collect()
    } else {
        s.splitn(maxsplit.saturating_add(1) as usize, sep).collect()
    }
}

pub fn rsplit_sep<'a>(s: &'a str, sep: &str, maxsplit: i64) -> Vec<&'a str> {
    let mut v: Vec<&str> = if maxsplit < 0 {
        s.rsplit(sep).collect()
    } else {
        s.rsplitn(maxsplit.saturating_add(1) as usize, sep)
            .collect()
    };
    v.reverse();
    v
}

/// Line boundaries recognised by str.splitlines().
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

pub fn splitlines(s: &str, keepends: bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_line_break(c) {
            let mut end = i + c.len_utf8();
            if c == '\r' && matches!(it.peek(), Some((_, '\n'))) {
                it.next();
                end += 1;
            }
            out.push(if keepends {
                &s[start..end]
            } else {
                &s[start..i]
            });
            start = end;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

pub fn expandtabs(s: &str, tabsize: i64) -> String {
    let mut out = String::with_capacity(s.len());
    let mut col: i64 = 0;
    for c in s.chars() {
        match c {
            '\t' => {
                if tabsize > 0 {
                    let n = tabsize - col % tabsize;
                    out.extend(std::iter::repeat_n(' ', n as usize));
                    col += n;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Characters skipped when looking for the cased neighbours of a capital sigma
/// (an approximation of Unicode's Case_Ignorable).
fn case_ignorable(c: char) -> bool {
    matches!(
        c,
        '\'' | '.' | ':' | '^' | '`' | '\u{ad}' | '\u{b7}' | '\u{2019}'
    ) || ('\u{300}'..='\u{36f}').contains(&c)
}

/// Lowercase `chars[i]` into `out`; a capital sigma at the end of a word becomes 'ς'
/// (Unicode's Final_Sigma rule, as CPython applies it).
fn push_lower(out: &mut String, chars: &[char], i: usize) {
    let c = chars[i];
    if c != 'Σ' {
        out.extend(c.to_lowercase());
        return;
    }
    let before = chars[..i].iter().rev().find(|c| !case_ignorable(**c));
    let after = chars[i + 1..].iter().find(|c| !case_ignorable(**c));
    let is_final = before.is_some_and(|c| is_cased(*c)) && !after.is_some_and(|c| is_cased(*c));
    out.push(if is_final { 'ς' } else { 'σ' });
}

pub fn title(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for (i, &c) in chars.iter().enumerate() {
        if prev_cased {
            push_lower(&mut out, &chars, i);
        } else {
            push_title(&mut out, c);
        }
        prev_cased = is_cased(c);
    }
    out
}

pub fn capitalize(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            push_title(&mut out, c);
        } else {
            push_lower(&mut out, &chars, i);
        }
    }
    out
}

fn swapcase(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            push_lower(&mut out, &chars, i);
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn istitle(s: &str) -> bool {
    let mut prev_cased = false;
    let mut any = false;
    for c in s.chars() {
        if c.is_uppercase() || is_titlecase(c) {
            if prev_cased {
                return false;
            }
            prev_cased = true;
            any = true;
        } else if c.is_lowercase() {
            if !prev_cased {
                return false;
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    any
}

pub fn isidentifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        None => false,
        Some(c) => {
            (c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && in_table(uni::XID_START, c)))
                && chars.all(|c| {
                    c == '_'
                        || c.is_ascii_alphanumeric()
                        || (!c.is_ascii() && in_table(uni::XID_CONTINUE, c))
                })
        }
    }
}

/// CPython's center(): the extra space goes left when both the margin and width are odd.
pub fn pad_center(s: &str, len: usize, width: usize, fill: char) -> String {
    if len >= width {
        return s.to_string();
    }
    let marg = width - len;
    let left = marg / 2 + (marg & width & 1);
    let mut out = String::with_capacity(s.len() + marg * fill.len_utf8());
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, marg - left));
    out
}

pub fn zfill(s: &str, len: usize, width: usize) -> String {
    if len >= width {
        return s.to_string();
    }
    let fill = width - len;
    let (sign, digits) = match s.chars().next() {
        Some(c @ ('+' | '-')) => (Some(c), &s[1..]),
        _ => (None, s),
    };
    let mut out = String::with_capacity(width);
    if let Some(c) = sign {
        out.push(c);
    }
    out.extend(std::iter::repeat_n('0', fill));
    out.push_str(digits);
    out
}

/// Byte offset of code point index `ci` (clamped to the end).
pub fn byte_of(s: &PyStr, ci: usize) -> usize {
    if s.ascii {
        ci.min(s.s.len())
    } else {
        s.s.char_indices().nth(ci).map_or(s.s.len(), |(b, _)| b)
    }
}

fn char_count(s: &PyStr, bytes: &str) -> usize {
    if s.ascii {
        bytes.len()
    } else {
        bytes.chars().count()
    }
}

/// CPython's ADJUST_INDICES: end is clamped to len, start is not clamped above.
pub fn adjust(start: Option<i64>, end: Option<i64>, len: usize) -> (i64, i64) {
    let len = len as i64;
    let mut end = end.unwrap_or(len);
    if end > len {
        end = len;
    } else if end < 0 {
        end = (end + len).max(0);
    }
    let mut start = start.unwrap_or(0);
    if start < 0 {
        start = (start + len).max(0);
    }
    (start, end)
}

/// find/rfind on code point positions within [start, end); -1 when absent.
pub fn find_in(s: &PyStr, sub: &str, start: Option<i64>, end: Option<i64>, rev: bool) -> i64 {
    let len = s.char_len();
    let (st, en) = adjust(start, end, len);
    let sub_len = sub.chars().count() as i64;
    if en - st < sub_len {
        return -1;
    }
    let (bs, be) = (byte_of(s, st as usize), byte_of(s, en as usize));
    let hay = &s.s[bs..be];
    let found = if rev { hay.rfind(sub) } else { hay.find(sub) };
    match found {
        Some(b) => st + char_count(s, &hay[..b]) as i64,
        None => -1,
    }
}

pub fn count_in(s: &PyStr, sub: &str, start: Option<i64>, end: Option<i64>) -> i64 {
    let len = s.char_len();
    let (st, en) = adjust(start, end, len);
    if st > en {
        return 0;
    }
    if sub.is_empty() {
        return en - st + 1;
    }
    let (bs, be) = (byte_of(s, st as usize), byte_of(s, en as usize));
    s.s[bs..be].matches(sub).count() as i64
}

// ---------------------------------------------------------------------------
// Method wrappers
// ---------------------------------------------------------------------------

fn ret(s: String) -> PyResult<Value> {
    Ok(Value::string(s))
}

fn str_list(parts: Vec<&str>) -> Value {
    Value::list(parts.into_iter().map(Value::str).collect())
}

fn opt_str_arg(
    v: &Option<Value>,
    err: impl FnOnce(&Value) -> String,
) -> PyResult<Option<Rc<PyStr>>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(other) => Err(type_error(err(other))),
    }
}

fn maxsplit_arg(vm: &mut Vm, v: &Option<Value>) -> PyResult<i64> {
    match v {
        None => Ok(-1),
        Some(v) => args::index_clamped(vm, v),
    }
}

fn split_impl(vm: &mut Vm, mut a: CallArgs, name: &'static str, rev: bool) -> PyResult<Value> {
    let s = recv_str(&a, name)?;
    let p = params(name, &mut a, 1, &["sep", "maxsplit"], 0)?;
    let sep = opt_str_arg(&p[0], |v| {
        format!("must be str or None, not {}", type_name(v))
    })?;
    let maxsplit = maxsplit_arg(vm, &p[1])?;
    match sep {
        None => Ok(str_list(if rev {
            rsplit_whitespace(&s.s, maxsplit)
        } else {
            split_whitespace(&s.s, maxsplit)
        })),
        Some(sep) if sep.s.is_empty() => Err(value_error("empty separator")),
        Some(sep) => Ok(str_list(if rev {
            rsplit_sep(&s.s, &sep.s, maxsplit)
        } else {
            split_sep(&s.s, &sep.s, maxsplit)
        })),
    }
}

fn split(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    split_impl(vm, a, "split", false)
}

fn rsplit(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    split_impl(vm, a, "rsplit", true)
}

fn join(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "join")?;
    let it = args::one("str.join", &a, 1)?;
    let items = args::items(vm, &it)?;
    // Size the result first: a join too big for memory raises MemoryError, not an abort.
    let total = items
        .iter()
        .map(|v| v.as_str().map_or(0, str::len))
        .fold(s.s.len().saturating_mul(items.len()), usize::saturating_add);
    crate::memory::reserve(total)?;
    let mut out = String::new();
    if out.try_reserve_exact(total).is_err() {
        return Err(args::memory_error());
    }
    for (i, v) in items.iter().enumerate() {
        match v {
            Value::Str(p) => {
                if i > 0 {
                    out.push_str(&s.s);
                }
                out.push_str(&p.s);
            }
            other => {
                return Err(type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    type_name(other)
                )));
            }
        }
    }
    ret(out)
}

fn strip_impl(a: CallArgs, name: &'static str, left: bool, right: bool) -> PyResult<Value> {
    let s = recv_str(&a, name)?;
    args::unpack(name, &a, 1, 0, 1)?;
    let chars = opt_str_arg(&a.pos.get(1).cloned(), |_| {
        format!("{name} arg must be None or str")
    })?;
    let mut r: &str = &s.s;
    match chars {
        None => {
            if left {
                r = r.trim_start_matches(py_isspace);
            }
            if right {
                r = r.trim_end_matches(py_isspace);
            }
        }
        Some(cs) => {
            let set: Vec<char> = cs.s.chars().collect();
            if left {
                r = r.trim_start_matches(&set[..]);
            }
            if right {
                r = r.trim_end_matches(&set[..]);
            }
        }
    }
    if r.len() == s.s.len() {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(r))
}

fn strip(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    strip_impl(a, "strip", true, true)
}

fn lstrip(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    strip_impl(a, "lstrip", true, false)
}

fn rstrip(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    strip_impl(a, "rstrip", false, true)
}

fn must_str(v: &Value, what: &str) -> PyResult<Rc<PyStr>> {
    args::str_arg(v, |o| format!("{what} must be str, not {}", type_name(o)))
}

fn replace(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "replace")?;
    args::unpack("replace", &a, 1, 2, 3)?;
    let old = must_str(&a.pos[1], "replace() argument 1")?;
    let new = must_str(&a.pos[2], "replace() argument 2")?;
    let count = match a.pos.get(3) {
        Some(c) => args::index_clamped(vm, c)?,
        None => -1,
    };
    // Guard against huge results from replacing the empty string.
    let matches = if old.s.is_empty() {
        s.char_len() + 1
    } else {
        s.s.matches(&*old.s).count()
    };
    let n = if count < 0 {
        matches
    } else {
        matches.min(count as usize)
    };
    let size = s.s.len().saturating_add(n.saturating_mul(new.s.len()));
    if size > args::MAX_ITEMS {
        return Err(args::memory_error());
    }
    ret(if count < 0 {
        s.s.replace(&*old.s, &new.s)
    } else {
        s.s.replacen(&*old.s, &new.s, count as usize)
    })
}

/// Receiver, substring, start and end of find/index/count.
type SubArgs = (Rc<PyStr>, Rc<PyStr>, Option<i64>, Option<i64>);

/// Parse `(sub[, start[, end]])` for find/index/count.
fn sub_args(vm: &mut Vm, a: &CallArgs, name: &str) -> PyResult<SubArgs> {
    let s = recv_str(a, name)?;
    args::no_kw(name, a)?;
    let n = a.pos.len().saturating_sub(1);
    if n == 0 {
        return Err(type_error(format!(
            "{name}() takes at least 1 argument (0 given)"
        )));
    }
    if n > 3 {
        return Err(type_error(format!(
            "{name}() takes at most 3 arguments ({n} given)"
        )));
    }
    let sub = must_str(&a.pos[1], "must be")
        .map_err(|_| type_error(format!("must be str, not {}", type_name(&a.pos[1]))))?;
    let start = args::opt_index_clamped(vm, a.pos.get(2))?;
    let end = args::opt_index_clamped(vm, a.pos.get(3))?;
    Ok((s, sub, start, end))
}

fn find(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, sub, st, en) = sub_args(vm, &a, "find")?;
    Ok(Value::Int(find_in(&s, &sub.s, st, en, false)))
}

fn rfind(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, sub, st, en) = sub_args(vm, &a, "rfind")?;
    Ok(Value::Int(find_in(&s, &sub.s, st, en, true)))
}

fn index(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, sub, st, en) = sub_args(vm, &a, "index")?;
    match find_in(&s, &sub.s, st, en, false) {
        -1 => Err(value_error("substring not found")),
        i => Ok(Value::Int(i)),
    }
}

fn rindex(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, sub, st, en) = sub_args(vm, &a, "rindex")?;
    match find_in(&s, &sub.s, st, en, true) {
        -1 => Err(value_error("substring not found")),
        i => Ok(Value::Int(i)),
    }
}

fn count(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, sub, st, en) = sub_args(vm, &a, "count")?;
    Ok(Value::Int(count_in(&s, &sub.s, st, en)))
}

fn starts_ends(vm: &mut Vm, a: CallArgs, name: &str, ends: bool) -> PyResult<Value> {
    let s = recv_str(&a, name)?;
    args::unpack(name, &a, 1, 1, 3)?;
    let start = args::opt_index_clamped(vm, a.pos.get(2))?;
    let end = args::opt_index_clamped(vm, a.pos.get(3))?;
    let (st, en) = adjust(start, end, s.char_len());
    let test = |p: &str| -> bool {
        if st > en {
            return false;
        }
        let (bs, be) = (byte_of(&s, st as usize), byte_of(&s, en as usize));
        let hay = &s.s[bs..be];
        if ends {
            hay.ends_with(p)
        } else {
            hay.starts_with(p)
        }
    };
    match &a.pos[1] {
        Value::Str(p) => Ok(Value::Bool(test(&p.s))),
        Value::Tuple(t) => {
            for p in t.iter() {
                match p {
                    Value::Str(p) => {
                        if test(&p.s) {
                            return Ok(Value::Bool(true));
                        }
                    }
                    other => {
                        return Err(type_error(format!(
                            "tuple for {name} must only contain str, not {}",
                            type_name(other)
                        )));
                    }
                }
            }
            Ok(Value::Bool(false))
        }
        other => Err(type_error(format!(
            "{name} first arg must be str or a tuple of str, not {}",
            type_name(other)
        ))),
    }
}

fn startswith(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    starts_ends(vm, a, "startswith", false)
}

fn endswith(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    starts_ends(vm, a, "endswith", true)
}

/// A no-argument str → str method.
fn map_str(a: &CallArgs, name: &str, f: impl Fn(&str) -> String) -> PyResult<Value> {
    let s = recv_str(a, name)?;
    no_args(a, name)?;
    ret(f(&s.s))
}

/// `str.NAME()` is called with the string alone. (The method's full name is only formatted
/// for the error: formatting it on every call was half the cost of `"x".upper()`.)
fn no_args(a: &CallArgs, name: &str) -> PyResult<()> {
    if a.kw.is_empty() && a.pos.len() == 1 {
        return Ok(());
    }
    args::none(&format!("str.{name}"), a, 1)
}

fn upper(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    map_str(&a, "upper", |s| s.to_uppercase())
}

fn lower(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    map_str(&a, "lower", |s| s.to_lowercase())
}

/// Full case folding: lowercase, except the characters CPython folds differently.
pub fn casefold_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match uni::CASEFOLD.binary_search_by_key(&(c as u32), |&(k, _)| k) {
            Ok(i) => out.push_str(uni::CASEFOLD[i].1),
            Err(_) => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn casefold(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    map_str(&a, "casefold", casefold_str)
}

fn title_m(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    map_str(&a, "title", title)
}

fn capitalize_m(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    map_str(&a, "capitalize", capitalize)
}

fn swapcase_m(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    map_str(&a, "swapcase", swapcase)
}

/// A no-argument str → bool predicate.
fn pred(a: &CallArgs, name: &str, f: impl Fn(&str) -> bool) -> PyResult<Value> {
    let s = recv_str(a, name)?;
    no_args(a, name)?;
    Ok(Value::Bool(f(&s.s)))
}

fn all_chars(s: &str, f: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(f)
}

fn isdigit(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isdigit", |s| all_chars(s, py_isdigit))
}

fn isdecimal(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isdecimal", |s| all_chars(s, py_isdecimal))
}

fn isnumeric(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isnumeric", |s| all_chars(s, py_isnumeric))
}

fn isalpha(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isalpha", |s| all_chars(s, py_isalpha))
}

fn isalnum(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isalnum", |s| all_chars(s, py_isalnum))
}

fn isspace(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isspace", |s| all_chars(s, py_isspace))
}

fn isascii(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isascii", |s| s.is_ascii())
}

fn isprintable(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isprintable", |s| {
        s.chars().all(|c| !in_table(uni::PRINTABLE_NOT, c))
    })
}

fn isupper(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isupper", |s| {
        s.chars().any(is_cased) && !s.chars().any(|c| c.is_lowercase() || is_titlecase(c))
    })
}

fn islower(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "islower", |s| {
        s.chars().any(is_cased) && !s.chars().any(|c| c.is_uppercase() || is_titlecase(c))
    })
}

fn istitle_m(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "istitle", istitle)
}

fn isidentifier_m(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    pred(&a, "isidentifier", isidentifier)
}

/// width and fill character for center/ljust/rjust.
fn width_fill(vm: &mut Vm, a: &CallArgs, name: &str) -> PyResult<(Rc<PyStr>, usize, char)> {
    let s = recv_str(a, name)?;
    args::unpack(name, a, 1, 1, 2)?;
    let w = args::index_clamped(vm, &a.pos[1])?.max(0) as usize;
    let fill = match a.pos.get(2) {
        None => ' ',
        Some(Value::Str(f)) => {
            let mut it = f.s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(type_error(
                        "The fill character must be exactly one character long",
                    ));
                }
            }
        }
        Some(other) => {
            return Err(type_error(format!(
                "The fill character must be a unicode character, not {}",
                type_name(other)
            )));
        }
    };
    if w > args::MAX_ITEMS {
        return Err(args::memory_error());
    }
    Ok((s, w, fill))
}

fn center(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, w, fill) = width_fill(vm, &a, "center")?;
    ret(pad_center(&s.s, s.char_len(), w, fill))
}

fn ljust(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, w, fill) = width_fill(vm, &a, "ljust")?;
    let n = s.char_len();
    let mut out = s.s.to_string();
    out.extend(std::iter::repeat_n(fill, w.saturating_sub(n)));
    ret(out)
}

fn rjust(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, w, fill) = width_fill(vm, &a, "rjust")?;
    let n = s.char_len();
    let mut out: String = std::iter::repeat_n(fill, w.saturating_sub(n)).collect();
    out.push_str(&s.s);
    ret(out)
}

fn zfill_m(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "zfill")?;
    let w = args::one("str.zfill", &a, 1)?;
    let w = args::index_clamped(vm, &w)?.max(0) as usize;
    if w > args::MAX_ITEMS {
        return Err(args::memory_error());
    }
    ret(zfill(&s.s, s.char_len(), w))
}

fn partition_impl(a: CallArgs, name: &str, rev: bool) -> PyResult<Value> {
    let s = recv_str(&a, name)?;
    let sep = match &a.pos[..] {
        [_, sep] if a.kw.is_empty() => sep.clone(),
        _ => args::one(&format!("str.{name}"), &a, 1)?,
    };
    let sep = args::str_arg(&sep, |o| format!("must be str, not {}", type_name(o)))?;
    if sep.s.is_empty() {
        return Err(value_error("empty separator"));
    }
    let found = if rev {
        s.s.rfind(&*sep.s)
    } else {
        s.s.find(&*sep.s)
    };
    let parts = match found {
        Some(i) => vec![
            Value::str(&s.s[..i]),
            Value::Str(sep.clone()),
            Value::str(&s.s[i + sep.s.len()..]),
        ],
        None if rev => vec![Value::str(""), Value::str(""), Value::Str(s.clone())],
        None => vec![Value::Str(s.clone()), Value::str(""), Value::str("")],
    };
    Ok(Value::tuple(parts))
}

fn partition(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    partition_impl(a, "partition", false)
}

fn rpartition(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    partition_impl(a, "rpartition", true)
}

fn splitlines_m(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "splitlines")?;
    let p = params("splitlines", &mut a, 1, &["keepends"], 0)?;
    let keep = match &p[0] {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    Ok(str_list(splitlines(&s.s, keep)))
}

fn expandtabs_m(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "expandtabs")?;
    let p = params("expandtabs", &mut a, 1, &["tabsize"], 0)?;
    let ts = match &p[0] {
        Some(v) => args::index_clamped(vm, v)?,
        None => 8,
    };
    let tabs = s.s.matches('\t').count();
    if ts > 0 && (ts as u128) * (tabs as u128) > args::MAX_ITEMS as u128 {
        return Err(args::memory_error());
    }
    ret(expandtabs(&s.s, ts))
}

fn removeprefix(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "removeprefix")?;
    let p = args::one("str.removeprefix", &a, 1)?;
    let p = args::str_arg(&p, |o| {
        format!("removeprefix() argument must be str, not {}", type_name(o))
    })?;
    match s.s.strip_prefix(&*p.s) {
        Some(r) if !p.s.is_empty() => Ok(Value::str(r)),
        _ => Ok(Value::Str(s)),
    }
}

fn removesuffix(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "removesuffix")?;
    let p = args::one("str.removesuffix", &a, 1)?;
    let p = args::str_arg(&p, |o| {
        format!("removesuffix() argument must be str, not {}", type_name(o))
    })?;
    match s.s.strip_suffix(&*p.s) {
        Some(r) if !p.s.is_empty() => Ok(Value::str(r)),
        _ => Ok(Value::Str(s)),
    }
}

fn format_m(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "format")?;
    let out = super::strformat::str_format(vm, &s.s, &a.pos[1..], &a.kw)?;
    ret(out)
}

fn format_map(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "format_map")?;
    let m = args::one("str.format_map", &a, 1)?;
    let mut kw: Vec<(Rc<str>, Value)> = Vec::new();
    match &m {
        Value::Dict(d) => {
            for e in d.borrow().iter() {
                if let Value::Str(k) = &e.key {
                    kw.push((k.s.as_ref().into(), e.value.clone()));
                }
            }
        }
        other => {
            return Err(type_error(format!(
                "format_map() argument must be a mapping, not {}",
                type_name(other)
            )));
        }
    }
    ret(super::strformat::str_format(vm, &s.s, &[], &kw)?)
}

fn encode(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    recv_str(&a, "encode")?;
    Err(type_error("bytes are not supported"))
}

fn translate(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_str(&a, "translate")?;
    let table = args::one("str.translate", &a, 1)?;
    let mut out = String::with_capacity(s.s.len());
    for c in s.s.chars() {
        let key = Value::Int(c as i64);
        let mapped = match &table {
            Value::Dict(d) => vm.dict_get(d, &key)?,
            other => match vm.getitem(other, &key) {
                Ok(v) => Some(v),
                Err(e) if crate::types::exc_is(&e, "LookupError") => None,
                Err(e) => return Err(e),
            },
        };
        match mapped {
            None => out.push(c),
            Some(Value::None) => {}
            Some(Value::Str(r)) => out.push_str(&r.s),
            Some(v) if args::is_int(&v) => {
                let n = args::as_big(&v).and_then(|n| num_traits::ToPrimitive::to_u32(&n));
                match n.and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        return Err(value_error("character mapping must be in range(0x110000)"));
                    }
                }
            }
            Some(_) => {
                return Err(type_error(
                    "character mapping must return integer, None or str",
                ));
            }
        }
    }
    ret(out)
}

/// str.maketrans(x[, y[, z]]): called through the class, so no receiver.
fn maketrans(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    // Tolerate being called with the class first.
    let skip = usize::from(matches!(a.pos.first(), Some(Value::Class(_))));
    args::unpack("maketrans", &a, skip, 1, 3)?;
    let d = std::rc::Rc::new(std::cell::RefCell::new(crate::dict::Dict::new()));
    let p = &a.pos[skip..];
    if p.len() == 1 {
        let Value::Dict(src) = &p[0] else {
            return Err(type_error(
                "if you give only one argument to maketrans it must be a dict",
            ));
        };
        let entries: Vec<(Value, Value)> = src
            .borrow()
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        for (k, v) in entries {
            let k = match &k {
                Value::Str(s) if s.char_len() == 1 => {
                    Value::Int(s.s.chars().next().map_or(0, |c| c as i64))
                }
                Value::Str(_) => {
                    return Err(value_error(
                        "string keys in translate table must be of length 1",
                    ));
                }
                k if args::is_int(k) => k.clone(),
                _ => {
                    return Err(type_error(
                        "keys in translate table must be strings or integers",
                    ));
                }
            };
            vm.dict_set(&d, k, v)?;
        }
        return Ok(Value::Dict(d));
    }
    let (Value::Str(x), Value::Str(y)) = (&p[0], &p[1]) else {
        return Err(type_error("maketrans() arguments must be str"));
    };
    if x.char_len() != y.char_len() {
        return Err(value_error(
            "the first two maketrans arguments must have equal length",
        ));
    }
    for (c, r) in x.s.chars().zip(y.s.chars()) {
        vm.dict_set(&d, Value::Int(c as i64), Value::Int(r as i64))?;
    }
    if let Some(z) = p.get(2) {
        let Value::Str(z) = z else {
            return Err(type_error("maketrans() argument 3 must be str"));
        };
        for c in z.s.chars() {
            vm.dict_set(&d, Value::Int(c as i64), Value::None)?;
        }
    }
    Ok(Value::Dict(d))
}

pub fn register(t: &Types) {
    let table: &[(&'static str, NativeFn)] = &[
        ("split", split),
        ("rsplit", rsplit),
        ("join", join),
        ("strip", strip),
        ("lstrip", lstrip),
        ("rstrip", rstrip),
        ("replace", replace),
        ("find", find),
        ("rfind", rfind),
        ("index", index),
        ("rindex", rindex),
        ("count", count),
        ("startswith", startswith),
        ("endswith", endswith),
        ("upper", upper),
        ("lower", lower),
        ("casefold", casefold),
        ("title", title_m),
        ("capitalize", capitalize_m),
        ("swapcase", swapcase_m),
        ("isdigit", isdigit),
        ("isdecimal", isdecimal),
        ("isnumeric", isnumeric),
        ("isalpha", isalpha),
        ("isalnum", isalnum),
        ("isspace", isspace),
        ("isascii", isascii),
        ("isprintable", isprintable),
        ("isupper", isupper),
        ("islower", islower),
        ("istitle", istitle_m),
        ("isidentifier", isidentifier_m),
        ("center", center),
        ("ljust", ljust),
        ("rjust", rjust),
        ("zfill", zfill_m),
        ("partition", partition),
        ("rpartition", rpartition),
        ("splitlines", splitlines_m),
        ("expandtabs", expandtabs_m),
        ("removeprefix", removeprefix),
        ("removesuffix", removesuffix),
        ("format", format_m),
        ("format_map", format_map),
        ("encode", encode),
        ("translate", translate),
    ];
    let mut d = t.str.dict.borrow_mut();
    for (name, f) in table {
        d.insert((*name).into(), args::builtin(name, *f));
    }
    d.insert(
        "maketrans".into(),
        Value::native(crate::object::NativeObj::StaticMethod(args::builtin(
            "maketrans",
            maketrans,
        ))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ps(s: &str) -> PyStr {
        PyStr::new(s.to_string())
    }

    #[test]
    fn whitespace_split_rules() {
        assert_eq!(split_whitespace("  a  b\tc\n ", -1), vec!["a", "b", "c"]);
        assert_eq!(split_whitespace("", -1), Vec::<&str>::new());
        assert_eq!(split_whitespace("   ", -1), Vec::<&str>::new());
        assert_eq!(split_whitespace("a b  c  ", 1), vec!["a", "b  c  "]);
        assert_eq!(split_whitespace("  a b", 0), vec!["a b"]);
        assert_eq!(split_whitespace("a\x1cb\u{3000}c", -1), vec!["a", "b", "c"]);
        assert_eq!(rsplit_whitespace("  a b c  ", 1), vec!["  a b", "c"]);
        assert_eq!(rsplit_whitespace(" a b c ", -1), vec!["a", "b", "c"]);
        assert_eq!(rsplit_whitespace("a\u{3000}b", 5), vec!["a", "b"]);
    }

    #[test]
    fn sep_split_rules() {
        assert_eq!(split_sep("a,,b,", ",", -1), vec!["a", "", "b", ""]);
        assert_eq!(split_sep("a,b,c", ",", 1), vec!["a", "b,c"]);
        assert_eq!(rsplit_sep("a,b,c", ",", 1), vec!["a,b", "c"]);
        assert_eq!(rsplit_sep("aaa", "aa", -1), vec!["a", ""]);
        assert_eq!(split_sep("", ",", -1), vec![""]);
    }

    #[test]
    fn splitlines_rules() {
        assert_eq!(splitlines("a\nb\r\nc\rd", false), vec!["a", "b", "c", "d"]);
        assert_eq!(splitlines("a\n\nb\n", true), vec!["a\n", "\n", "b\n"]);
        assert_eq!(splitlines("", false), Vec::<&str>::new());
    }

    #[test]
    fn find_uses_code_points() {
        let s = ps("你好世界好");
        assert_eq!(find_in(&s, "好", None, None, false), 1);
        assert_eq!(find_in(&s, "好", None, None, true), 4);
        assert_eq!(find_in(&s, "好", Some(2), None, false), 4);
        assert_eq!(find_in(&s, "", Some(5), None, false), 5);
        assert_eq!(find_in(&s, "", Some(6), None, false), -1);
        assert_eq!(count_in(&s, "好", None, None), 2);
        assert_eq!(count_in(&ps("abc"), "", None, None), 4);
        assert_eq!(count_in(&ps("abc"), "", Some(4), None), 0);
    }

    #[test]
    fn case_and_padding() {
        assert_eq!(title("they're bill's friends"), "They'Re Bill'S Friends");
        assert_eq!(capitalize("hELLO world"), "Hello world");
        assert!(istitle("Hello World"));
        assert!(!istitle("Hello world"));
        assert_eq!(pad_center("ab", 2, 5, '*'), "**ab*");
        assert_eq!(pad_center("a", 1, 4, '*'), "*a**");
        assert_eq!(zfill("-42", 3, 6), "-00042");
        assert_eq!(expandtabs("a\tbc\td", 4), "a   bc  d");
        assert!(isidentifier("变量_1"));
        assert!(!isidentifier("1a"));
        assert!(py_isnumeric('三') && !py_isdigit('三'));
        assert!(py_isdigit('²') && !py_isdecimal('²'));
        assert_eq!(title("ΣΑΣ ΟΔΟΣ"), "Σας Οδος");
        assert_eq!(capitalize("ΟΔΟΣ."), "Οδος.");
        assert_eq!(swapcase("ΣΑΣ"), "σας");
        assert_eq!(casefold_str("ﬁ Straße µ"), "fi strasse μ");
        assert_eq!(title("ﬁsh ǆemal ßa"), "Fish ǅemal Ssa");
        assert_eq!(str_repr("a'b"), "\"a'b\"");
        assert_eq!(
            str_repr("a'\"b\n\u{3000}\u{85}好\u{1f600}\x7f"),
            "'a\\'\"b\\n\\u3000\\x85好😀\\x7f'"
        );
        assert_eq!(
            str_repr("tab\there \\ back \0 准备调用func,大约耗时3 \u{200b} end"),
            "'tab\\there \\\\ back \\x00 准备调用func,大约耗时3 \\u200b end'"
        );
        assert_eq!(str_repr(""), "''");
        assert_eq!(str_repr("é\u{ad}ÿ\u{a0} \u{9f}"), "'é\\xadÿ\\xa0 \\x9f'");
    }
}
