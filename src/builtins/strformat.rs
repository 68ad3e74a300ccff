//! `format(v, spec)`, `str.format(...)` and printf-style `str % args`.

use std::rc::Rc;

use smallvec::smallvec;

use super::args::{self, as_big, has_method};
use super::functions::ascii_escape;
use crate::format;
use crate::object::{CallArgs, PyResult};
use crate::types::{key_error, overflow_error, type_error, type_name, value_error};
use crate::value::Value;
use crate::vm::Vm;

/// `format(v, spec)`: the `__format__` protocol for any value.
pub fn format_value(vm: &mut Vm, v: &Value, spec: &str) -> PyResult<String> {
    let tn = type_name(v);
    let parse = |spec: &str| format::parse_format_spec_for(spec, &tn).map_err(value_error);
    match v {
        Value::Bool(b) if spec.is_empty() => Ok(if *b { "True" } else { "False" }.into()),
        Value::Int(_) | Value::Bool(_) | Value::Big(_) => {
            let fs = parse(spec)?;
            let n = as_big(v).unwrap_or_default();
            format::format_int(&n, &fs).map_err(value_error)
        }
        Value::Float(x) => {
            if spec.is_empty() {
                return Ok(format::float_repr(*x));
            }
            let fs = parse(spec)?;
            format::format_float(*x, &fs).map_err(value_error)
        }
        Value::Str(s) => {
            if spec.is_empty() {
                return Ok(s.s.to_string());
            }
            let fs = parse(spec)?;
            format::format_str(&s.s, &fs).map_err(value_error)
        }
        Value::Instance(_) => {
            let r = vm.call_method(v, "__format__", CallArgs::new(smallvec![Value::str(spec)]))?;
            match r {
                Value::Str(s) => Ok(s.s.to_string()),
                other => Err(type_error(format!(
                    "__format__ must return a str, not {}",
                    type_name(&other)
                ))),
            }
        }
        _ if spec.is_empty() => vm.to_str(v),
        _ => Err(type_error(format!(
            "unsupported format string passed to {tn}.__format__"
        ))),
    }
}

/// State shared across the fields of one `str.format` call.
struct Fmt<'a> {
    args: &'a [Value],
    kwargs: &'a [(Rc<str>, Value)],
    /// Next automatic field number; None once manual numbering was used.
    auto: Option<usize>,
    manual: bool,
}

/// `fmt.format(*args, **kwargs)`.
pub fn str_format(
    vm: &mut Vm,
    fmt: &str,
    args: &[Value],
    kwargs: &[(Rc<str>, Value)],
) -> PyResult<String> {
    let mut st = Fmt {
        args,
        kwargs,
        auto: Some(0),
        manual: false,
    };
    render(vm, fmt, &mut st, 2)
}

fn render(vm: &mut Vm, fmt: &str, st: &mut Fmt, depth: usize) -> PyResult<String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            match chars.get(i + 1) {
                Some('{') => {
                    out.push('{');
                    i += 2;
                    continue;
                }
                None => return Err(value_error("Single '{' encountered in format string")),
                _ => {}
            }
            // Find the matching close brace, allowing nested fields in the spec.
            let mut level = 1;
            let mut j = i + 1;
            let mut in_bracket = false;
            while j < chars.len() {
                match chars[j] {
                    '[' if level == 1 => in_bracket = true,
                    ']' if level == 1 => in_bracket = false,
                    '{' if !in_bracket => level += 1,
                    '}' if !in_bracket => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= chars.len() {
                return Err(value_error("expected '}' before end of string"));
            }
            let field: String = chars[i + 1..j].iter().collect();
            if depth == 0 {
                return Err(value_error("Max string recursion exceeded"));
            }
            out.push_str(&render_field(vm, &field, st, depth)?);
            i = j + 1;
        } else if c == '}' {
            if chars.get(i + 1) == Some(&'}') {
                out.push('}');
                i += 2;
                continue;
            }
            return Err(value_error("Single '}' encountered in format string"));
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn render_field(vm: &mut Vm, field: &str, st: &mut Fmt, depth: usize) -> PyResult<String> {
    // Split "name!conv:spec", where name may contain [..] with any characters.
    let chars: Vec<char> = field.chars().collect();
    let mut k = 0;
    let mut in_bracket = false;
    while k < chars.len() {
        match chars[k] {
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '!' | ':' if !in_bracket => break,
            _ => {}
        }
        k += 1;
    }
    let name: String = chars[..k].iter().collect();
    let mut conv = None;
    let mut spec = String::new();
    if k < chars.len() && chars[k] == '!' {
        match chars.get(k + 1) {
            None => {
                return Err(value_error(
                    "end of string while looking for conversion specifier",
                ));
            }
            Some(c) => conv = Some(*c),
        }
        match chars.get(k + 2) {
            None => {}
            Some(':') => spec = chars[k + 3..].iter().collect(),
            Some(_) => return Err(value_error("expected ':' after conversion specifier")),
        }
    } else if k < chars.len() {
        spec = chars[k + 1..].iter().collect();
    }
    let mut v = lookup_field(vm, &name, st)?;
    if let Some(c) = conv {
        v = match c {
            'r' => Value::string(vm.repr(&v)?),
            's' => Value::string(vm.to_str(&v)?),
            'a' => Value::string(ascii_escape(&vm.repr(&v)?)),
            other => {
                return Err(value_error(format!("Unknown conversion specifier {other}")));
            }
        };
    }
    let spec = if spec.contains('{') {
        render(vm, &spec, st, depth - 1)?
    } else {
        spec
    };
    format_value(vm, &v, &spec)
}

fn lookup_field(vm: &mut Vm, name: &str, st: &mut Fmt) -> PyResult<Value> {
    let first_end = name.find(['.', '[']).unwrap_or(name.len());
    let first = &name[..first_end];
    let mut v = if first.is_empty() {
        let Some(n) = st.auto else {
            return Err(value_error(
                "cannot switch from manual field specification to automatic field numbering",
            ));
        };
        if st.manual {
            return Err(value_error(
                "cannot switch from manual field specification to automatic field numbering",
            ));
        }
        st.auto = Some(n + 1);
        positional(st, n)?
    } else if first.bytes().all(|b| b.is_ascii_digit()) {
        if st.auto.is_some_and(|n| n > 0) {
            return Err(value_error(
                "cannot switch from automatic field numbering to manual field specification",
            ));
        }
        st.manual = true;
        st.auto = None;
        let n: usize = first.parse().unwrap_or(usize::MAX);
        positional(st, n)?
    } else {
        match st.kwargs.iter().find(|(k, _)| &**k == first) {
            Some((_, v)) => v.clone(),
            None => return Err(key_error(Value::str(first))),
        }
    };
    // Attribute and index accessors.
    let rest: Vec<char> = name[first_end..].chars().collect();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            '.' => {
                let mut j = i + 1;
                while j < rest.len() && rest[j] != '.' && rest[j] != '[' {
                    j += 1;
                }
                let attr: String = rest[i + 1..j].iter().collect();
                if attr.is_empty() {
                    return Err(value_error("Empty attribute in format string"));
                }
                v = vm.getattr(&v, &attr)?;
                i = j;
            }
            '[' => {
                let mut j = i + 1;
                while j < rest.len() && rest[j] != ']' {
                    j += 1;
                }
                if j >= rest.len() {
                    return Err(value_error("Missing ']' in format string"));
                }
                let key: String = rest[i + 1..j].iter().collect();
                if key.is_empty() {
                    return Err(value_error("Empty attribute in format string"));
                }
                let kv = if key.bytes().all(|b| b.is_ascii_digit()) {
                    key.parse::<i64>()
                        .map(Value::Int)
                        .unwrap_or_else(|_| Value::string(key))
                } else {
                    Value::string(key)
                };
                v = vm.getitem(&v, &kv)?;
                i = j + 1;
            }
            _ => {
                return Err(value_error(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ));
            }
        }
    }
    Ok(v)
}

fn positional(st: &Fmt, n: usize) -> PyResult<Value> {
    st.args.get(n).cloned().ok_or_else(|| {
        crate::types::index_error(format!(
            "Replacement index {n} out of range for positional args tuple"
        ))
    })
}

/// Pad a converted `%s`-style string to `width` (left-justified with '-').
fn pad(s: String, flags: &str, width: Option<usize>) -> String {
    let w = width.unwrap_or(0).min(format::MAX_FORMAT_WIDTH);
    let n = s.chars().count();
    if n >= w {
        return s;
    }
    let fill: String = " ".repeat(w - n);
    if flags.contains('-') {
        s + &fill
    } else {
        fill + &s
    }
}

/// `fmt % args` for a str `fmt` (the VM calls this for the `%` operator on strings).
pub fn percent_format(vm: &mut Vm, fmt: &str, args: &Value) -> PyResult<String> {
    let is_mapping = match args {
        Value::Dict(_) => true,
        Value::Tuple(_) | Value::Str(_) => false,
        other => has_method(other, "__getitem__"),
    };
    let mut items: Vec<Value> = match args {
        Value::Tuple(t) => (**t).clone(),
        other => vec![other.clone()],
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut idx = 0;
    let mut i = 0;
    fn next_arg(items: &[Value], idx: &mut usize) -> PyResult<Value> {
        let v = items
            .get(*idx)
            .cloned()
            .ok_or_else(|| type_error("not enough arguments for format string"))?;
        *idx += 1;
        Ok(v)
    }
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut keyed: Option<Value> = None;
        if chars.get(i) == Some(&'(') {
            if !is_mapping {
                return Err(type_error("format requires a mapping"));
            }
            let mut level = 1;
            let start = i + 1;
            let mut j = start;
            while j < chars.len() {
                match chars[j] {
                    '(' => level += 1,
                    ')' => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= chars.len() {
                return Err(value_error("incomplete format key"));
            }
            let key: String = chars[start..j].iter().collect();
            keyed = Some(vm.getitem(args, &Value::string(key))?);
            // CPython swaps its argument state for the looked-up value: later unkeyed
            // conversions find no arguments left.
            items.clear();
            idx = 0;
            i = j + 1;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.get(i) {
            if matches!(f, '-' | '+' | ' ' | '#' | '0') {
                flags.push(f);
                i += 1;
            } else {
                break;
            }
        }
        let mut width = None;
        if chars.get(i) == Some(&'*') {
            let w = next_arg(&items, &mut idx)?;
            if !args::is_int(&w) {
                return Err(type_error("* wants int"));
            }
            let w = args::as_big(&w).unwrap_or_default();
            let w = num_traits::ToPrimitive::to_i64(&w).unwrap_or(i64::MAX);
            if w < 0 {
                flags.push('-');
            }
            width = Some(w.unsigned_abs() as usize);
            i += 1;
        } else {
            let mut w: Option<usize> = None;
            while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                w = Some(w.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
                i += 1;
            }
            width = w.or(width);
        }
        let mut precision = None;
        if chars.get(i) == Some(&'.') {
            i += 1;
            if chars.get(i) == Some(&'*') {
                let p = next_arg(&items, &mut idx)?;
                if !args::is_int(&p) {
                    return Err(type_error("* wants int"));
                }
                let p = args::as_big(&p).unwrap_or_default();
                let p = num_traits::ToPrimitive::to_i64(&p).unwrap_or(i64::MAX);
                precision = Some(p.max(0) as usize);
                i += 1;
            } else {
                let mut p = 0usize;
                while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    p = p.saturating_mul(10).saturating_add(d as usize);
                    i += 1;
                }
                precision = Some(p);
            }
        }
        while matches!(chars.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            return Err(value_error("incomplete format"));
        };
        let conv_pos = i;
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        if width.is_some_and(|w| w > format::MAX_FORMAT_WIDTH)
            || precision.is_some_and(|p| p > format::MAX_FORMAT_WIDTH)
        {
            return Err(args::memory_error());
        }
        let v = match keyed {
            Some(v) => v,
            None => next_arg(&items, &mut idx)?,
        };
        let piece = match conv {
            's' | 'r' | 'a' => {
                let mut s = match conv {
                    's' => vm.to_str(&v)?,
                    'r' => vm.repr(&v)?,
                    _ => ascii_escape(&vm.repr(&v)?),
                };
                if let Some(p) = precision {
                    s = s.chars().take(p).collect();
                }
                pad(s, &flags, width)
            }
            'd' | 'i' | 'u' => match &v {
                Value::Float(x) => {
                    let n = super::numbers::float_to_int(*x)?;
                    let n = as_big(&n).unwrap_or_default();
                    format::int_str(&n).map_err(value_error)?;
                    format::percent_format_int(&n, &flags, width, precision, conv)
                }
                _ => {
                    let n = percent_int(vm, &v, || {
                        format!(
                            "%{conv} format: a real number is required, not {}",
                            type_name(&v)
                        )
                    })?;
                    // CPython's 4300-digit limit on decimal conversions.
                    format::int_str(&n).map_err(value_error)?;
                    format::percent_format_int(&n, &flags, width, precision, conv)
                }
            },
            'x' | 'X' | 'o' => {
                let n = match &v {
                    Value::Float(_) => None,
                    _ => Some(percent_int(vm, &v, String::new)),
                };
                match n {
                    Some(Ok(n)) => format::percent_format_int(&n, &flags, width, precision, conv),
                    _ => {
                        return Err(type_error(format!(
                            "%{conv} format: an integer is required, not {}",
                            type_name(&v)
                        )));
                    }
                }
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let x = match args::try_f64(vm, &v)? {
                    Some(x) => x,
                    None => {
                        return Err(type_error(format!(
                            "must be real number, not {}",
                            type_name(&v)
                        )));
                    }
                };
                format::percent_format_float(x, &flags, width, precision, conv)
            }
            'c' => {
                let ch = match &v {
                    Value::Str(s) if s.char_len() == 1 => s.s.chars().next().unwrap_or(' '),
                    _ if args::is_int(&v) || has_method(&v, "__index__") => {
                        let n = args::index_big(vm, &v)?;
                        match num_traits::ToPrimitive::to_u32(&n) {
                            Some(c) if c < 0x110000 => {
                                char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)
                            }
                            _ => return Err(overflow_error("%c arg not in range(0x110000)")),
                        }
                    }
                    _ => return Err(type_error("%c requires int or char")),
                };
                pad(ch.to_string(), &flags, width)
            }
            other => {
                return Err(value_error(format!(
                    "unsupported format character '{}' (0x{:x}) at index {}",
                    other, other as u32, conv_pos
                )));
            }
        };
        out.push_str(&piece);
    }
    if idx < items.len() && !is_mapping {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// An integer for %d/%x: ints, bools, `__index__`, `__int__`.
fn percent_int(
    vm: &mut Vm,
    v: &Value,
    msg: impl FnOnce() -> String,
) -> PyResult<num_bigint::BigInt> {
    if let Some(n) = as_big(v) {
        return Ok(n);
    }
    if has_method(v, "__index__") {
        return args::index_big(vm, v);
    }
    if has_method(v, "__int__") {
        let r = vm.call_method(v, "__int__", CallArgs::default())?;
        if let Some(n) = as_big(&r) {
            return Ok(n);
        }
    }
    Err(type_error(msg()))
}

/// `object.__format__`: empty spec means str(self).
pub fn object_format(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("__format__", &a, 1, 1, 1)?;
    let me = &a.pos[0];
    let spec = match &a.pos[1] {
        Value::Str(s) => s.clone(),
        other => {
            return Err(type_error(format!(
                "__format__() argument must be str, not {}",
                type_name(other)
            )));
        }
    };
    if spec.s.is_empty() {
        return Ok(Value::string(vm.to_str(me)?));
    }
    Err(type_error(format!(
        "unsupported format string passed to {}.__format__",
        type_name(me)
    )))
}
