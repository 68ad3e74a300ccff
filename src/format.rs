//! Python 3.11 number/string formatting and parsing rules as pure functions.
//!
//! Everything here mirrors CPython's `Python/formatter_unicode.c` (the
//! `format()` mini-language), `Python/pystrtod.c` (float to string layout),
//! the printf-style `%` operator, `float()`/`int()` string parsing and
//! `round()` for floats. Errors are the message text of the exception
//! CPython would raise (a `ValueError` unless documented otherwise).
//!
//! Digit generation is delegated to Rust's float formatting, which is
//! correctly rounded (round-half-even on the exact binary value) for fixed
//! precision and shortest-round-trip for `{}`/`{:e}`; the Python layout is
//! then derived from the bare digit string and decimal point position, just
//! like CPython does with the output of David Gay's `dtoa`.

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

/// Largest width or precision accepted in a format specifier. CPython accepts
/// anything up to `sys.maxsize` and then allocates; we refuse earlier (with
/// CPython's overflow message) so that no input can request unbounded memory.
pub const MAX_FORMAT_WIDTH: usize = 10_000_000;

/// CPython 3.11's default `sys.get_int_max_str_digits()`: converting an int
/// with more decimal digits than this to a string raises `ValueError`.
pub const INT_MAX_STR_DIGITS: usize = 4300;

thread_local! {
    /// The current limit (`sys.set_int_max_str_digits`; 0: none), per interpreter thread.
    static MAX_STR_DIGITS: std::cell::Cell<usize> = const { std::cell::Cell::new(INT_MAX_STR_DIGITS) };
}

/// `sys.get_int_max_str_digits()`.
pub fn int_max_str_digits() -> usize {
    MAX_STR_DIGITS.get()
}

/// `sys.set_int_max_str_digits(n)` (0: no limit); a new interpreter starts at 4300.
pub fn set_int_max_str_digits(n: usize) {
    MAX_STR_DIGITS.set(n);
}

const TOO_MANY_DIGITS: &str = "Too many decimal digits in format string";

/// Rust's formatter panics on precisions above `u16::MAX`. A finite f64 has
/// at most 767 significant and 1074 fractional decimal digits, so asking for
/// more than this cap only adds zeros, which the layout code pads itself.
const EXACT_PREC_CAP: usize = 1100;

/// A parsed format specifier:
/// `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
///
/// Fields hold what was written; defaults (fill, alignment) are resolved by
/// the `format_*` functions because they depend on the value's type. `zero`
/// is the `0` flag (only recognised when no explicit fill was given).
/// `no_neg_zero` is the `z` flag (Python 3.11).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FormatSpec {
    pub fill: Option<char>,
    pub align: Option<char>,
    pub sign: Option<char>,
    pub alternate: bool,
    pub zero: bool,
    pub width: Option<usize>,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub ty: Option<char>,
    pub no_neg_zero: bool,
}

// ---------------------------------------------------------------------------
// Character classes (CPython's str.isspace() and Unicode decimal digits)
// ---------------------------------------------------------------------------

/// Code points for which Python's `str.isspace()` is true (Unicode 14).
/// This differs from Rust's `char::is_whitespace` (e.g. U+001C..U+001F).
fn is_py_space(ch: char) -> bool {
    matches!(
        ch,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// First code point (digit zero) of every run of ten Unicode decimal digits
/// (category Nd) in Unicode 14, which Python accepts in `int()`, `float()`
/// and format-spec widths.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of a Unicode decimal digit, like CPython's `Py_UNICODE_TODECIMAL`.
fn decimal_value(ch: char) -> Option<u8> {
    let c = ch as u32;
    let idx = DECIMAL_ZEROS.partition_point(|&z| z <= c);
    let zero = *DECIMAL_ZEROS.get(idx.checked_sub(1)?)?;
    let d = c - zero;
    (d < 10).then_some(d as u8)
}

/// CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`: ASCII passes
/// through, other Unicode spaces become ' ', other Unicode digits become
/// ASCII digits, anything else makes the literal invalid.
fn to_ascii_number(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .map(|ch| {
            if ch < '\u{7f}' {
                Some(ch as u8)
            } else if is_py_space(ch) {
                Some(b' ')
            } else {
                decimal_value(ch).map(|d| b'0' + d)
            }
        })
        .collect()
}

/// C `isspace` in the C locale, used after the transformation above (so
/// U+001C..U+001F are not spaces for `int()`/`float()`).
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

// ---------------------------------------------------------------------------
// Digit generation: (digits, decpt) means 0.d1d2d3... * 10**decpt
// ---------------------------------------------------------------------------

/// Strip leading/trailing zeros like dtoa does; zero is ("0", 1).
fn normalize_digits(mut digits: Vec<u8>, decpt: i64) -> (Vec<u8>, i64) {
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    if lead == digits.len() {
        return (vec![b'0'], 1);
    }
    digits.drain(..lead);
    (digits, decpt - lead as i64)
}

/// Parse Rust's `{:e}` output ("1.2345e-7") into digits and decimal point.
fn split_exponent_form(s: &str) -> (Vec<u8>, i64) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits = mant.bytes().filter(u8::is_ascii_digit).collect();
    normalize_digits(digits, exp + 1)
}

/// dtoa mode 0: shortest digits that round-trip. `ax` is finite, >= 0.
fn shortest_digits(ax: f64) -> (Vec<u8>, i64) {
    let (digits, decpt) = split_exponent_form(&format!("{ax:e}"));
    // When two shortest candidates are equally near (x lies exactly halfway),
    // Rust picks the upper one but dtoa picks the even one. The correctly
    // rounded (ties-to-even) string of the same length is the nearest one;
    // prefer it whenever it still round-trips.
    let p = digits.len() - 1;
    let nearest = format!("{ax:.p$e}");
    if nearest.parse::<f64>() == Ok(ax) {
        return split_exponent_form(&nearest);
    }
    (digits, decpt)
}

/// dtoa mode 2: `n >= 1` significant digits, correctly rounded.
fn significant_digits(ax: f64, n: usize) -> (Vec<u8>, i64) {
    let p = n.clamp(1, EXACT_PREC_CAP) - 1;
    split_exponent_form(&format!("{ax:.p$e}"))
}

/// dtoa mode 3: `p` digits after the decimal point, correctly rounded.
fn fixed_digits(ax: f64, p: usize) -> (Vec<u8>, i64) {
    let p = p.min(EXACT_PREC_CAP);
    let s = format!("{ax:.p$}");
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    let digits = int_part.bytes().chain(frac_part.bytes()).collect();
    normalize_digits(digits, int_part.len() as i64)
}

/// CPython's `PyOS_double_to_string` / `format_float_short`.
///
/// `code` is one of e E f F g G r; `precision` is as the user gave it.
/// The result carries a leading '-' when negative (never '+').
fn double_to_string(
    x: f64,
    code: char,
    precision: usize,
    alt: bool,
    add_dot_0: bool,
    no_neg_zero: bool,
) -> String {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    if x.is_nan() {
        // The sign of a NaN is never shown.
        return if upper { "NAN" } else { "nan" }.to_string();
    }
    let mut neg = x.is_sign_negative();
    if x.is_infinite() {
        let s = if upper { "INF" } else { "inf" };
        return if neg { format!("-{s}") } else { s.to_string() };
    }
    let ax = x.abs();
    let (precision, (digits, decpt)) = match code {
        'e' => {
            let p = precision.saturating_add(1);
            (p, significant_digits(ax, p))
        }
        'f' => (precision, fixed_digits(ax, precision)),
        'g' => {
            let p = precision.max(1);
            (p, significant_digits(ax, p))
        }
        _ => (0, shortest_digits(ax)),
    };
    if no_neg_zero && digits == b"0" {
        neg = false;
    }
    // Counts below are bounded by the precision cap plus ~330, so i64 is safe.
    let p = precision.min(MAX_FORMAT_WIDTH + 1) as i64;
    let digits_len = digits.len() as i64;
    let mut decpt = decpt;
    let mut vdigits_end = digits_len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = p;
        }
        'f' => vdigits_end = decpt + p,
        'g' => {
            if decpt <= -4 || decpt > (if add_dot_0 { p - 1 } else { p }) {
                use_exp = true;
            }
            if alt {
                vdigits_end = p;
            }
        }
        _ => {
            // repr switches to exponent form at 1e16.
            if decpt <= -4 || decpt > 16 {
                use_exp = true;
            }
        }
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    vdigits_end = if !use_exp && add_dot_0 {
        vdigits_end.max(decpt + 1)
    } else {
        vdigits_end.max(decpt)
    };

    let mut out = String::with_capacity((vdigits_end - vdigits_start + 8) as usize);
    if neg {
        out.push('-');
    }
    let zeros = |out: &mut String, n: i64| {
        for _ in 0..n.max(0) {
            out.push('0');
        }
    };
    let digit_str =
        |r: std::ops::Range<usize>| -> String { digits[r].iter().map(|&b| b as char).collect() };
    // Zeros on the left of the digit string.
    if decpt <= 0 {
        zeros(&mut out, decpt - vdigits_start);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vdigits_start);
    }
    // The digits, with the decimal point if it falls inside them.
    if 0 < decpt && decpt <= digits_len {
        out.push_str(&digit_str(0..decpt as usize));
        out.push('.');
        out.push_str(&digit_str(decpt as usize..digits.len()));
    } else {
        out.push_str(&digit_str(0..digits.len()));
    }
    // Zeros on the right.
    if digits_len < decpt {
        zeros(&mut out, decpt - digits_len);
        out.push('.');
        zeros(&mut out, vdigits_end - decpt);
    } else {
        zeros(&mut out, vdigits_end - digits_len);
    }
    if out.ends_with('.') && !alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

/// `repr(float)`: shortest round-trip digits, exponent form when the decimal
/// exponent is < -4 or >= 16, always with a '.0' or an exponent.
pub fn float_repr(x: f64) -> String {
    double_to_string(x, 'r', 0, false, true, false)
}

// ---------------------------------------------------------------------------
// Format-spec parsing
// ---------------------------------------------------------------------------

fn is_align(ch: char) -> bool {
    matches!(ch, '<' | '>' | '=' | '^')
}

/// A run of (Unicode) decimal digits; None when there is none.
fn parse_spec_integer(chars: &[char], pos: &mut usize) -> Result<Option<usize>, String> {
    let mut value: usize = 0;
    let mut any = false;
    while let Some(d) = chars.get(*pos).and_then(|&c| decimal_value(c)) {
        any = true;
        value = value.saturating_mul(10).saturating_add(d as usize);
        if value > MAX_FORMAT_WIDTH {
            return Err(TOO_MANY_DIGITS.to_string());
        }
        *pos += 1;
    }
    Ok(any.then_some(value))
}

/// How CPython spells a type character in error messages.
fn code_repr(ch: char) -> String {
    let c = ch as u32;
    if c > 32 && c < 128 {
        ch.to_string()
    } else {
        format!("\\x{c:x}")
    }
}

fn unknown_code(ty: char, type_name: &str) -> String {
    format!(
        "Unknown format code '{}' for object of type '{}'",
        code_repr(ty),
        type_name
    )
}

/// PEP 378 / PEP 515: which presentation types accept a grouping option.
/// `ty` is the effective type ('\0' for "none" on floats).
fn check_grouping(spec: &FormatSpec, ty: char) -> Result<(), String> {
    let Some(g) = spec.grouping else {
        return Ok(());
    };
    match ty {
        'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F' | '\0' => Ok(()),
        'b' | 'o' | 'x' | 'X' if g == '_' => Ok(()),
        _ => Err(format!("Cannot specify '{}' with '{}'.", g, code_repr(ty))),
    }
}

/// Width and precision are capped so no spec can demand unbounded memory.
fn check_limits(spec: &FormatSpec) -> Result<(), String> {
    let too_big = |v: Option<usize>| v.is_some_and(|v| v > MAX_FORMAT_WIDTH);
    if too_big(spec.width) || too_big(spec.precision) {
        return Err(TOO_MANY_DIGITS.to_string());
    }
    Ok(())
}

/// Parse a format spec. The "Invalid format specifier" message names the
/// value's type; this variant says 'object' — prefer [`parse_format_spec_for`].
pub fn parse_format_spec(spec: &str) -> Result<FormatSpec, String> {
    parse_format_spec_for(spec, "object")
}

/// Parse a format spec for a value whose Python type name is `type_name`
/// (used only in the "Invalid format specifier" message, as CPython does).
pub fn parse_format_spec_for(spec: &str, type_name: &str) -> Result<FormatSpec, String> {
    let chars: Vec<char> = spec.chars().collect();
    let end = chars.len();
    let mut pos = 0;
    let mut fs = FormatSpec::default();
    let mut fill_specified = false;

    if end >= 2 && is_align(chars[1]) {
        fs.fill = Some(chars[0]);
        fs.align = Some(chars[1]);
        fill_specified = true;
        pos = 2;
    } else if end >= 1 && is_align(chars[0]) {
        fs.align = Some(chars[0]);
        pos = 1;
    }
    if pos < end && matches!(chars[pos], '+' | '-' | ' ') {
        fs.sign = Some(chars[pos]);
        pos += 1;
    }
    if pos < end && chars[pos] == 'z' {
        fs.no_neg_zero = true;
        pos += 1;
    }
    if pos < end && chars[pos] == '#' {
        fs.alternate = true;
        pos += 1;
    }
    // The '0' flag is only a flag when no explicit fill was given; after an
    // explicit fill it is simply the first digit of the width.
    if !fill_specified && pos < end && chars[pos] == '0' {
        fs.zero = true;
        pos += 1;
    }
    fs.width = parse_spec_integer(&chars, &mut pos)?;

    const BOTH: &str = "Cannot specify both ',' and '_'.";
    if pos < end && chars[pos] == ',' {
        fs.grouping = Some(',');
        pos += 1;
    }
    if pos < end && chars[pos] == '_' {
        if fs.grouping.is_some() {
            return Err(BOTH.to_string());
        }
        fs.grouping = Some('_');
        pos += 1;
    }
    if pos < end && chars[pos] == ',' && fs.grouping == Some('_') {
        return Err(BOTH.to_string());
    }
    if pos < end && chars[pos] == '.' {
        pos += 1;
        fs.precision = parse_spec_integer(&chars, &mut pos)?;
        if fs.precision.is_none() {
            return Err("Format specifier missing precision".to_string());
        }
    }
    if end - pos > 1 {
        return Err(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        ));
    }
    if end - pos == 1 {
        fs.ty = Some(chars[pos]);
    }
    check_grouping(&fs, fs.ty.unwrap_or('\0'))?;
    Ok(fs)
}

// ---------------------------------------------------------------------------
// Number layout (CPython's calc_number_widths / fill_number)
// ---------------------------------------------------------------------------

/// Insert thousands separators into `digits`, left-padding with zeros
/// (themselves grouped) until at least `min_width` chars, exactly like
/// CPython's `_PyUnicode_InsertThousandsGrouping`. Without grouping it only
/// zero-pads.
fn group_digits(digits: &str, min_width: i64, group: Option<(char, usize)>) -> String {
    if digits.is_empty() {
        // 'c' and inf/nan have no digits and get no zero padding here.
        return String::new();
    }
    let src: Vec<char> = digits.chars().collect();
    let mut remaining = src.len() as i64;
    let mut min_width = min_width;
    let mut next = src.len(); // digits still to copy are src[..next]
    let mut rev: Vec<char> = Vec::new();
    let mut emit = |rev: &mut Vec<char>, sep: Option<char>, n_zeros: i64, n_chars: i64| {
        rev.extend(sep);
        for _ in 0..n_chars {
            next -= 1;
            rev.push(src[next]);
        }
        for _ in 0..n_zeros {
            rev.push('0');
        }
    };
    let mut sep = None;
    let mut finished = false;
    if let Some((sep_char, size)) = group {
        let size = size.max(1) as i64;
        loop {
            let l = size.min(remaining.max(min_width).max(1));
            let n_zeros = (l - remaining).max(0);
            let n_chars = remaining.min(l).max(0);
            emit(&mut rev, sep, n_zeros, n_chars);
            sep = Some(sep_char);
            remaining -= n_chars;
            min_width -= size;
            if remaining <= 0 && min_width <= 0 {
                finished = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !finished {
        let l = remaining.max(min_width).max(1);
        let n_zeros = (l - remaining).max(0);
        let n_chars = remaining.min(l).max(0);
        emit(&mut rev, sep, n_zeros, n_chars);
    }
    rev.iter().rev().collect()
}

/// Lay out a number: `neg` sign, `prefix` (0x...), integer `digits`,
/// optional decimal point and the `remainder` (fraction, exponent, '%', ...)
/// with fill, alignment, sign option, zero padding and grouping.
fn layout_number(
    neg: bool,
    prefix: &str,
    digits: &str,
    has_decimal: bool,
    remainder: &str,
    spec: &FormatSpec,
    group: Option<(char, usize)>,
) -> String {
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    let align = spec.align.unwrap_or(if spec.zero { '=' } else { '>' });
    let sign = match spec.sign {
        Some('+') => Some(if neg { '-' } else { '+' }),
        Some(' ') => Some(if neg { '-' } else { ' ' }),
        _ => neg.then_some('-'),
    };
    let non_digit = sign.is_some() as i64
        + prefix.chars().count() as i64
        + has_decimal as i64
        + remainder.chars().count() as i64;
    let width = spec.width.map_or(-1, |w| w.min(MAX_FORMAT_WIDTH) as i64);
    let min_width = if fill == '0' && align == '=' {
        width - non_digit
    } else {
        0
    };
    let grouped = group_digits(digits, min_width, group);
    let padding = (width - non_digit - grouped.chars().count() as i64).max(0) as usize;
    let (lpad, spad, rpad) = match align {
        '<' => (0, 0, padding),
        '^' => (padding / 2, 0, padding - padding / 2),
        '=' => (0, padding, 0),
        _ => (padding, 0, 0),
    };
    let mut out = String::with_capacity(grouped.len() + remainder.len() + padding + 8);
    out.extend(std::iter::repeat_n(fill, lpad));
    out.extend(sign);
    out.push_str(prefix);
    out.extend(std::iter::repeat_n(fill, spad));
    out.push_str(&grouped);
    if has_decimal {
        out.push('.');
    }
    out.push_str(remainder);
    out.extend(std::iter::repeat_n(fill, rpad));
    out
}

// ---------------------------------------------------------------------------
// format(float, spec)
// ---------------------------------------------------------------------------

/// `format(x, spec)` for a float.
pub fn format_float(x: f64, spec: &FormatSpec) -> Result<String, String> {
    check_limits(spec)?;
    check_grouping(spec, spec.ty.unwrap_or('\0'))?;
    match spec.ty {
        None | Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => Ok(float_internal(x, spec)),
        Some(c) => Err(unknown_code(c, "float")),
    }
}

/// CPython's `format_float_internal` (type already validated).
fn float_internal(x: f64, spec: &FormatSpec) -> String {
    let mut x = x;
    let mut add_dot_0 = false;
    let mut add_pct = false;
    let mut default_precision = 6;
    let mut code = match spec.ty {
        // No type: like repr, or like 'g' (keeping a '.0') given a precision.
        None => {
            add_dot_0 = true;
            default_precision = 0;
            'r'
        }
        // 'n' is 'g' with locale-aware separators; we run in the C locale.
        Some('n') => 'g',
        Some('%') => {
            x *= 100.0;
            add_pct = true;
            'f'
        }
        Some(c) => c,
    };
    let precision = match spec.precision {
        None => default_precision,
        Some(p) => {
            if code == 'r' {
                code = 'g';
            }
            p
        }
    };
    let mut s = double_to_string(
        x,
        code,
        precision,
        spec.alternate,
        add_dot_0,
        spec.no_neg_zero,
    );
    if add_pct {
        s.push('%');
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let n_int = body.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = body.split_at(n_int);
    let (has_decimal, remainder) = match rest.strip_prefix('.') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let group = match (spec.ty, spec.grouping) {
        (Some('n'), _) | (_, None) => None,
        (_, Some(g)) => Some((g, 3)),
    };
    layout_number(neg, "", digits, has_decimal, remainder, spec, group)
}

// ---------------------------------------------------------------------------
// format(int, spec)
// ---------------------------------------------------------------------------

fn int_str_limit_msg(limit: usize) -> String {
    format!(
        "Exceeds the limit ({limit} digits) for integer string conversion; \
         use sys.set_int_max_str_digits() to increase the limit"
    )
}

/// Decimal digits of |v|, refusing (like CPython 3.11) more than
/// `sys.get_int_max_str_digits()` digits. Checking the bit length first also avoids
/// the quadratic conversion of huge numbers.
fn decimal_digits_limited(v: &BigInt) -> Result<String, String> {
    let limit = int_max_str_digits();
    // 10**limit needs limit * log2(10) bits: a number with more bits than this bound
    // certainly has more than `limit` digits.
    if limit > 0 && v.bits() > limit as u64 * 3322 / 1000 + 5 {
        return Err(int_str_limit_msg(limit));
    }
    let s = v.magnitude().to_str_radix(10);
    if limit > 0 && s.len() > limit {
        return Err(int_str_limit_msg(limit));
    }
    Ok(s)
}

/// `str(int)` of a big int: the decimal digits with the sign, or CPython 3.11's ValueError
/// message past [`INT_MAX_STR_DIGITS`] digits.
pub fn int_str(v: &BigInt) -> Result<String, String> {
    let digits = decimal_digits_limited(v)?;
    Ok(if v.is_negative() {
        format!("-{digits}")
    } else {
        digits
    })
}

/// int -> float as Python's `float(int)` (correctly rounded).
fn int_to_float(v: &BigInt) -> Result<f64, String> {
    match v.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err("int too large to convert to float".to_string()),
    }
}

/// `format(v, spec)` for an int. Float presentation types convert first.
/// Besides `ValueError` texts, may return CPython's `OverflowError` texts
/// ("int too large to convert to float", "%c arg not in range(0x110000)",
/// "Python int too large to convert to C long").
pub fn format_int(v: &BigInt, spec: &FormatSpec) -> Result<String, String> {
    check_limits(spec)?;
    let ty = spec.ty.unwrap_or('d');
    check_grouping(spec, ty)?;
    match ty {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => int_internal(v, spec, ty),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => Ok(float_internal(int_to_float(v)?, spec)),
        c => Err(unknown_code(c, "int")),
    }
}

/// CPython's `format_long_internal`.
fn int_internal(v: &BigInt, spec: &FormatSpec, ty: char) -> Result<String, String> {
    if spec.precision.is_some() {
        return Err("Precision not allowed in integer format specifier".to_string());
    }
    if spec.no_neg_zero {
        return Err(
            "Negative zero coercion (z) not allowed in integer format specifier".to_string(),
        );
    }
    if ty == 'c' {
        if spec.sign.is_some() {
            return Err("Sign not allowed with integer format specifier 'c'".to_string());
        }
        if spec.alternate {
            return Err(
                "Alternate form (#) not allowed with integer format specifier 'c'".to_string(),
            );
        }
        let code = v
            .to_i64()
            .ok_or_else(|| "Python int too large to convert to C long".to_string())?;
        if !(0..=0x10ffff).contains(&code) {
            return Err("%c arg not in range(0x110000)".to_string());
        }
        // Python could build a lone surrogate here; a Rust string cannot.
        let ch = char::from_u32(code as u32)
            .ok_or_else(|| "lone surrogates are not supported".to_string())?;
        // The character is treated as a "remainder": never zero-grouped.
        return Ok(layout_number(
            false,
            "",
            "",
            false,
            &ch.to_string(),
            spec,
            None,
        ));
    }
    let (radix, prefix) = match ty {
        'b' => (2, "0b"),
        'o' => (8, "0o"),
        'x' => (16, "0x"),
        'X' => (16, "0X"),
        _ => (10, ""),
    };
    let digits = if radix == 10 {
        decimal_digits_limited(v)?
    } else {
        let s = v.magnitude().to_str_radix(radix);
        if ty == 'X' { s.to_ascii_uppercase() } else { s }
    };
    let prefix = if spec.alternate { prefix } else { "" };
    let group = match (ty, spec.grouping) {
        ('n', _) | (_, None) => None,
        ('b' | 'o' | 'x' | 'X', Some(g)) => Some((g, 4)),
        (_, Some(g)) => Some((g, 3)),
    };
    Ok(layout_number(
        v.is_negative(),
        prefix,
        &digits,
        false,
        "",
        spec,
        group,
    ))
}

// ---------------------------------------------------------------------------
// format(str, spec)
// ---------------------------------------------------------------------------

/// `format(s, spec)` for a str: precision truncates, default alignment is
/// left; widths count code points.
pub fn format_str(s: &str, spec: &FormatSpec) -> Result<String, String> {
    check_limits(spec)?;
    let ty = spec.ty.unwrap_or('s');
    check_grouping(spec, ty)?;
    if ty != 's' {
        return Err(unknown_code(ty, "str"));
    }
    match spec.sign {
        Some(' ') => return Err("Space not allowed in string format specifier".to_string()),
        Some(_) => return Err("Sign not allowed in string format specifier".to_string()),
        None => {}
    }
    if spec.no_neg_zero {
        return Err(
            "Negative zero coercion (z) not allowed in string format specifier".to_string(),
        );
    }
    if spec.alternate {
        return Err("Alternate form (#) not allowed in string format specifier".to_string());
    }
    if spec.align == Some('=') {
        return Err("'=' alignment not allowed in string format specifier".to_string());
    }
    let len = s.chars().count();
    let (body, len) = match spec.precision {
        Some(p) if p < len => {
            let cut = s.char_indices().nth(p).map_or(s.len(), |(i, _)| i);
            (&s[..cut], p)
        }
        _ => (s, len),
    };
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    let padding = spec.width.map_or(0, |w| w.saturating_sub(len));
    let left = match spec.align {
        Some('>') => padding,
        Some('^') => padding / 2,
        _ => 0,
    };
    let mut out = String::with_capacity(body.len() + padding * fill.len_utf8());
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(body);
    out.extend(std::iter::repeat_n(fill, padding - left));
    Ok(out)
}

// ---------------------------------------------------------------------------
// float() and int() parsing
// ---------------------------------------------------------------------------

/// Python's rule for '_' in numeric strings: each underscore must sit
/// between two ASCII digits. Returns the string without underscores.
fn strip_underscores(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut prev = 0u8;
    for &c in s {
        if c == b'_' {
            if !prev.is_ascii_digit() {
                return None;
            }
        } else {
            if prev == b'_' && !c.is_ascii_digit() {
                return None;
            }
            out.push(c);
        }
        prev = c;
    }
    if prev == b'_' {
        return None;
    }
    Some(out)
}

fn count_digits(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// `float(s)` for a str: surrounding whitespace, a sign, '_' between digits,
/// Unicode decimal digits, `inf`/`infinity`/`nan` in any case. `None` if
/// CPython would raise `ValueError`.
pub fn parse_float(s: &str) -> Option<f64> {
    let ascii = to_ascii_number(s)?;
    let cleaned = strip_underscores(&ascii)?;
    let text = std::str::from_utf8(&cleaned)
        .ok()?
        .trim_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    let b = text.as_bytes();
    let body = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let lower = body.to_ascii_lowercase();
    if !matches!(lower.as_slice(), b"inf" | b"infinity" | b"nan") {
        // Validate the decimal grammar ourselves so Rust's parser is only
        // ever given what Python accepts.
        let int_len = count_digits(body);
        let mut i = int_len;
        let mut frac_len = 0;
        if body.get(i) == Some(&b'.') {
            i += 1;
            frac_len = count_digits(&body[i..]);
            i += frac_len;
        }
        if int_len + frac_len == 0 {
            return None;
        }
        if matches!(body.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(body.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let exp_len = count_digits(&body[i..]);
            if exp_len == 0 {
                return None;
            }
            i += exp_len;
        }
        if i != body.len() {
            return None;
        }
    }
    text.parse::<f64>().ok()
}

/// `int(s, base)` for a str: whitespace, sign, '_' between digits, base 0
/// (prefix decides, no leading zeros unless the value is zero) or 2..=36
/// with an optional matching 0x/0o/0b prefix. `None` if invalid (including
/// an invalid base). Does not apply the 4300-digit limit.
pub fn parse_int(s: &str, base: u32) -> Option<BigInt> {
    if base == 1 || base > 36 {
        return None;
    }
    let b = to_ascii_number(s)?;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while is_c_space(at(i)) {
        i += 1;
    }
    let mut negative = false;
    if at(i) == b'+' || at(i) == b'-' {
        negative = at(i) == b'-';
        i += 1;
    }
    let mut base = base;
    let mut error_if_nonzero = false;
    if base == 0 {
        base = match (at(i), at(i + 1).to_ascii_lowercase()) {
            (b'0', b'x') => 16,
            (b'0', b'o') => 8,
            (b'0', b'b') => 2,
            (b'0', _) => {
                // Old C-style octal like "010" is invalid, but "00" is zero.
                error_if_nonzero = true;
                10
            }
            _ => 10,
        };
    }
    let p = at(i + 1).to_ascii_lowercase();
    if at(i) == b'0'
        && ((base == 16 && p == b'x') || (base == 8 && p == b'o') || (base == 2 && p == b'b'))
    {
        i += 2;
        // One underscore may follow the prefix.
        if at(i) == b'_' {
            i += 1;
        }
    }
    if at(i) == b'_' {
        return None;
    }
    let mut digits: Vec<u8> = Vec::new();
    let mut prev_underscore = false;
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            if prev_underscore {
                return None;
            }
            prev_underscore = true;
        } else {
            match (c as char).to_digit(36) {
                Some(d) if d < base => {
                    digits.push(d as u8);
                    prev_underscore = false;
                }
                _ => break,
            }
        }
        i += 1;
    }
    if prev_underscore || digits.is_empty() {
        return None;
    }
    while is_c_space(at(i)) {
        i += 1;
    }
    if i != b.len() {
        return None;
    }
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    let value = BigInt::from_radix_be(sign, &digits, base)?;
    if error_if_nonzero && !value.is_zero() {
        return None;
    }
    Some(value)
}

// ---------------------------------------------------------------------------
// round()
// ---------------------------------------------------------------------------

/// Split finite |x| into `m * 2**e` with integer m.
fn decompose(ax: f64) -> (u64, i64) {
    let bits = ax.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    }
}

/// Round `num / den` to the nearest integer, ties to even.
fn div_round_half_even(num: &BigInt, den: &BigInt) -> BigInt {
    let (q, r) = num.div_rem(den);
    let twice: BigInt = r << 1;
    if twice > *den || (twice == *den && q.is_odd()) {
        q + 1
    } else {
        q
    }
}

/// `round(x, ndigits)` for a float: correctly rounded, ties to even on the
/// exact binary value (`round(2.675, 2) == 2.67`). NaN and infinities are
/// returned unchanged. If the result overflows, +-inf is returned for a
/// finite `x`: CPython raises `OverflowError("rounded value too large to
/// represent")` there, so callers should check. `round(x)` without ndigits
/// equals `round_float(x, 0)` converted to int.
pub fn round_float(x: f64, ndigits: i32) -> f64 {
    // Beyond these bounds x always rounds to itself / to a signed zero.
    const NDIGITS_MAX: i32 = 323;
    const NDIGITS_MIN: i32 = -308;
    if !x.is_finite() || ndigits > NDIGITS_MAX {
        return x;
    }
    if ndigits < NDIGITS_MIN {
        return 0.0 * x;
    }
    if ndigits >= 0 {
        // Correctly rounded decimal string, then correctly rounded back.
        let p = ndigits as usize;
        return format!("{x:.p$}").parse::<f64>().unwrap_or(x);
    }
    // Round to a multiple of 10**k exactly with big integers.
    let scale = num_traits::pow(BigInt::from(10u32), (-ndigits) as usize);
    let (m, e) = decompose(x.abs());
    let m = BigInt::from(m);
    let q = if e >= 0 {
        div_round_half_even(&(m << (e as usize)), &scale)
    } else {
        div_round_half_even(&m, &(&scale << ((-e) as usize)))
    };
    let magnitude = (q * scale).to_f64().unwrap_or(f64::INFINITY);
    if x.is_sign_negative() {
        -magnitude
    } else {
        magnitude
    }
}

/// Exact integer part of a finite float (truncation toward zero).
fn float_trunc_to_int(x: f64) -> BigInt {
    let (m, e) = decompose(x.abs());
    let m = BigInt::from(m);
    let v = if e >= 0 {
        m << (e as usize)
    } else if e > -64 {
        m >> ((-e) as usize)
    } else {
        BigInt::zero()
    };
    if x.is_sign_negative() { -v } else { v }
}

// ---------------------------------------------------------------------------
// printf-style '%' formatting
// ---------------------------------------------------------------------------

/// Pad an already converted number the way CPython's
/// `unicode_format_arg_output` does for numeric conversions: sign flags,
/// '0' fill (ignored on the right for '-'), and a 2-char alternate-form
/// prefix kept in front of zero padding.
fn percent_pad(s: &str, flags: &str, width: Option<usize>, has_prefix: bool) -> String {
    let ljust = flags.contains('-');
    let fill = if flags.contains('0') { '0' } else { ' ' };
    let chars: Vec<char> = s.chars().collect();
    let mut idx = 0;
    let mut len = chars.len() as i64;
    let sign = match chars.first() {
        Some(&c @ ('-' | '+')) => {
            idx = 1;
            len -= 1;
            Some(c)
        }
        _ if flags.contains('+') => Some('+'),
        _ if flags.contains(' ') => Some(' '),
        _ => None,
    };
    let mut width = width
        .map_or(-1, |w| w.min(MAX_FORMAT_WIDTH) as i64)
        .max(len);
    let mut out = String::with_capacity(width.max(0) as usize + 4);
    if let Some(c) = sign {
        if fill != ' ' {
            out.push(c);
        }
        if width > len {
            width -= 1;
        }
    }
    let has_prefix = has_prefix && chars.len() >= idx + 2;
    if has_prefix {
        if fill != ' ' {
            out.extend(&chars[idx..idx + 2]);
            idx += 2;
        }
        width = (width - 2).max(0);
        len -= 2;
    }
    if width > len && !ljust {
        out.extend(std::iter::repeat_n(fill, (width - len) as usize));
        width = len;
    }
    if fill == ' ' {
        out.extend(sign);
        if has_prefix {
            out.extend(&chars[idx..idx + 2]);
            idx += 2;
        }
    }
    out.extend(&chars[idx..]);
    if width > len {
        out.extend(std::iter::repeat_n(' ', (width - len) as usize));
    }
    out
}

/// One printf-style conversion of a float: `conv` in e E f F g G (precision
/// defaults to 6); d i u truncate toward zero first (the caller must reject
/// NaN/inf, which CPython refuses). `flags` may contain `-+ #0`.
pub fn percent_format_float(
    x: f64,
    flags: &str,
    width: Option<usize>,
    precision: Option<usize>,
    conv: char,
) -> String {
    if matches!(conv, 'd' | 'i' | 'u') && x.is_finite() {
        return percent_format_int(&float_trunc_to_int(x), flags, width, precision, conv);
    }
    let conv = if matches!(conv, 'e' | 'E' | 'f' | 'F' | 'g' | 'G') {
        conv
    } else {
        'g'
    };
    let precision = precision.unwrap_or(6).min(MAX_FORMAT_WIDTH);
    let s = double_to_string(x, conv, precision, flags.contains('#'), false, false);
    percent_pad(&s, flags, width, false)
}

/// One printf-style conversion of an int: `conv` in d i u o x X (precision
/// is a minimum digit count; '#' adds 0o/0x/0X), e E f F g G (converted to
/// float; an int too large gives "inf" — CPython raises OverflowError, so
/// the caller should check), or c (the caller must check the range; invalid
/// code points give U+FFFD). Does not apply the 4300-digit limit.
pub fn percent_format_int(
    v: &BigInt,
    flags: &str,
    width: Option<usize>,
    precision: Option<usize>,
    conv: char,
) -> String {
    match conv {
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let x = v.to_f64().unwrap_or(f64::INFINITY);
            return percent_format_float(x, flags, width, precision, conv);
        }
        'c' => {
            let ch = v
                .to_u32()
                .and_then(char::from_u32)
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            let w = width.unwrap_or(0).min(MAX_FORMAT_WIDTH).saturating_sub(1);
            let pad: String = std::iter::repeat_n(' ', w).collect();
            return if flags.contains('-') {
                format!("{ch}{pad}")
            } else {
                format!("{pad}{ch}")
            };
        }
        _ => {}
    }
    let (radix, prefix) = match conv {
        'o' => (8, "0o"),
        'x' => (16, "0x"),
        'X' => (16, "0X"),
        _ => (10, ""),
    };
    let mut digits = v.magnitude().to_str_radix(radix);
    if conv == 'X' {
        digits.make_ascii_uppercase();
    }
    let alt = flags.contains('#') && !prefix.is_empty();
    let min_digits = precision.unwrap_or(0).min(MAX_FORMAT_WIDTH);
    let mut s = String::with_capacity(digits.len().max(min_digits) + 3);
    if v.is_negative() {
        s.push('-');
    }
    if alt {
        s.push_str(prefix);
    }
    s.extend(std::iter::repeat_n(
        '0',
        min_digits.saturating_sub(digits.len()),
    ));
    s.push_str(&digits);
    percent_pad(&s, flags, width, alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> BigInt {
        s.parse().expect("test integer literal")
    }

    fn fmt_float(x: f64, spec: &str) -> Result<String, String> {
        format_float(x, &parse_format_spec_for(spec, "float")?)
    }

    fn fmt_int(v: &BigInt, spec: &str) -> Result<String, String> {
        format_int(v, &parse_format_spec_for(spec, "int")?)
    }

    fn fmt_str(s: &str, spec: &str) -> Result<String, String> {
        format_str(s, &parse_format_spec_for(spec, "str")?)
    }

    fn owned(r: &Result<&str, &str>) -> Result<String, String> {
        r.map(str::to_string).map_err(str::to_string)
    }

    // Expected values below were produced by CPython 3.11.
    const FLOAT_CASES: &[(u64, &str, Result<&str, &str>)] = &[
        (0x0000000000000000, "n", Ok("0")),
        (0x0000000000000000, "08.3f", Ok("0000.000")),
        (0x0000000000000000, "%", Ok("0.000000%")),
        (0x0000000000000000, "e", Ok("0.000000e+00")),
        (0x0000000000000000, "#.0e", Ok("0.e+00")),
        (0x0000000000000000, ".3g", Ok("0")),
        (0x0000000000000000, "g", Ok("0")),
        (0x0000000000000000, "F", Ok("0.000000")),
        (0x0000000000000000, ".100", Ok("0.0")),
        (0x0000000000000000, ".3e", Ok("0.000e+00")),
        (0x0000000000000000, "0=12", Ok("0000000000.0")),
        (0x0000000000000000, "z", Ok("0.0")),
        (
            0x0000000000000000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x0000000000000000, "+", Ok("+0.0")),
        (0x0000000000000000, "_", Ok("0.0")),
        (0x0000000000000000, "#g", Ok("0.00000")),
        (0x0000000000000000, "z.1f", Ok("0.0")),
        (0x0000000000000000, ",.2f", Ok("0.00")),
        (0x0000000000000000, "", Ok("0.0")),
        (0x0000000000000000, ".2f", Ok("0.00")),
        (0x0000000000000000, ",.2f", Ok("0.00")),
        (0x0000000000000000, "%", Ok("0.000000%")),
        (0x8000000000000000, "0=12", Ok("-000000000.0")),
        (0x8000000000000000, "^10", Ok("   -0.0   ")),
        (0x8000000000000000, ".3e", Ok("-0.000e+00")),
        (0x8000000000000000, "#", Ok("-0.0")),
        (0x8000000000000000, "_", Ok("-0.0")),
        (
            0x8000000000000000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x8000000000000000, "#.0e", Ok("-0.e+00")),
        (0x8000000000000000, "<10", Ok("-0.0      ")),
        (0x8000000000000000, ".0f", Ok("-0")),
        (0x8000000000000000, "08.3f", Ok("-000.000")),
        (0x8000000000000000, ".1%", Ok("-0.0%")),
        (0x8000000000000000, "#.0", Ok("-0.e+00")),
        (0x8000000000000000, "E", Ok("-0.000000E+00")),
        (0x8000000000000000, "F", Ok("-0.000000")),
        (0x8000000000000000, "z", Ok("0.0")),
        (0x8000000000000000, "n", Ok("-0")),
        (0x8000000000000000, ".100", Ok("-0.0")),
        (0x8000000000000000, ",.2f", Ok("-0.00")),
        (0x8000000000000000, "", Ok("-0.0")),
        (0x8000000000000000, ".2f", Ok("-0.00")),
        (0x8000000000000000, ",.2f", Ok("-0.00")),
        (0x8000000000000000, "%", Ok("-0.000000%")),
        (0x3fb999999999999a, ".0f", Ok("0")),
        (0x3fb999999999999a, "=+10", Ok("+      0.1")),
        (0x3fb999999999999a, "z.1f", Ok("0.1")),
        (0x3fb999999999999a, "e", Ok("1.000000e-01")),
        (0x3fb999999999999a, ".1%", Ok("10.0%")),
        (0x3fb999999999999a, ".1", Ok("0.1")),
        (0x3fb999999999999a, "#.0e", Ok("1.e-01")),
        (0x3fb999999999999a, "_^15,", Ok("______0.1______")),
        (0x3fb999999999999a, "G", Ok("0.1")),
        (0x3fb999999999999a, "+", Ok("+0.1")),
        (0x3fb999999999999a, ".5", Ok("0.1")),
        (0x3fb999999999999a, "0=12", Ok("0000000000.1")),
        (0x3fb999999999999a, ".3e", Ok("1.000e-01")),
        (0x3fb999999999999a, " ", Ok(" 0.1")),
        (0x3fb999999999999a, "#", Ok("0.1")),
        (0x3fb999999999999a, ".2f", Ok("0.10")),
        (0x3fb999999999999a, "#.0f", Ok("0.")),
        (0x3fb999999999999a, "", Ok("0.1")),
        (0x3fb999999999999a, "", Ok("0.1")),
        (0x3fb999999999999a, ".2f", Ok("0.10")),
        (0x3fb999999999999a, ",.2f", Ok("0.10")),
        (0x3fb999999999999a, "%", Ok("10.000000%")),
        (0x3fd5555555555555, ".3g", Ok("0.333")),
        (0x3fd5555555555555, "015,", Ok("0.3333333333333333")),
        (0x3fd5555555555555, ".1%", Ok("33.3%")),
        (0x3fd5555555555555, "#.0e", Ok("3.e-01")),
        (0x3fd5555555555555, " ", Ok(" 0.3333333333333333")),
        (0x3fd5555555555555, "=+10", Ok("+0.3333333333333333")),
        (0x3fd5555555555555, "E", Ok("3.333333E-01")),
        (0x3fd5555555555555, "g", Ok("0.333333")),
        (
            0x3fd5555555555555,
            ".100",
            Ok("0.333333333333333314829616256247390992939472198486328125"),
        ),
        (0x3fd5555555555555, "08.3f", Ok("0000.333")),
        (0x3fd5555555555555, "^10", Ok("0.3333333333333333")),
        (0x3fd5555555555555, "+", Ok("+0.3333333333333333")),
        (0x3fd5555555555555, "#", Ok("0.3333333333333333")),
        (0x3fd5555555555555, "F", Ok("0.333333")),
        (0x3fd5555555555555, "%", Ok("33.333333%")),
        (
            0x3fd5555555555555,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x3fd5555555555555, ".5", Ok("0.33333")),
        (0x3fd5555555555555, ",", Ok("0.3333333333333333")),
        (0x3fd5555555555555, "", Ok("0.3333333333333333")),
        (0x3fd5555555555555, ".2f", Ok("0.33")),
        (0x3fd5555555555555, ",.2f", Ok("0.33")),
        (0x3fd5555555555555, "%", Ok("33.333333%")),
        (0x4341c37937e08000, ".0f", Ok("10000000000000000")),
        (0x4341c37937e08000, "=+10", Ok("+    1e+16")),
        (0x4341c37937e08000, ".100", Ok("10000000000000000.0")),
        (0x4341c37937e08000, "#", Ok("1.e+16")),
        (0x4341c37937e08000, ",.2f", Ok("10,000,000,000,000,000.00")),
        (0x4341c37937e08000, ",", Ok("1e+16")),
        (
            0x4341c37937e08000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x4341c37937e08000, ".3e", Ok("1.000e+16")),
        (0x4341c37937e08000, "G", Ok("1E+16")),
        (0x4341c37937e08000, "015,", Ok("000,000,001e+16")),
        (0x4341c37937e08000, ">10", Ok("     1e+16")),
        (0x4341c37937e08000, "<10", Ok("1e+16     ")),
        (0x4341c37937e08000, "#.0e", Ok("1.e+16")),
        (0x4341c37937e08000, "*^10", Ok("**1e+16***")),
        (0x4341c37937e08000, "", Ok("1e+16")),
        (0x4341c37937e08000, "^10", Ok("  1e+16   ")),
        (0x4341c37937e08000, "E", Ok("1.000000E+16")),
        (0x4341c37937e08000, " ", Ok(" 1e+16")),
        (0x4341c37937e08000, "", Ok("1e+16")),
        (0x4341c37937e08000, ".2f", Ok("10000000000000000.00")),
        (0x4341c37937e08000, ",.2f", Ok("10,000,000,000,000,000.00")),
        (0x4341c37937e08000, "%", Ok("1000000000000000000.000000%")),
        (0x3ee4f8b588e368f1, "z.1f", Ok("0.0")),
        (0x3ee4f8b588e368f1, "E", Ok("1.000000E-05")),
        (0x3ee4f8b588e368f1, "*^10", Ok("**1e-05***")),
        (0x3ee4f8b588e368f1, "e", Ok("1.000000e-05")),
        (0x3ee4f8b588e368f1, "G", Ok("1E-05")),
        (0x3ee4f8b588e368f1, "g", Ok("1e-05")),
        (0x3ee4f8b588e368f1, "#", Ok("1.e-05")),
        (0x3ee4f8b588e368f1, ".3g", Ok("1e-05")),
        (0x3ee4f8b588e368f1, "0=12", Ok("00000001e-05")),
        (0x3ee4f8b588e368f1, "F", Ok("0.000010")),
        (0x3ee4f8b588e368f1, ".5", Ok("1e-05")),
        (0x3ee4f8b588e368f1, ".3e", Ok("1.000e-05")),
        (0x3ee4f8b588e368f1, "=+10", Ok("+    1e-05")),
        (0x3ee4f8b588e368f1, ".1", Ok("1e-05")),
        (0x3ee4f8b588e368f1, "+", Ok("+1e-05")),
        (0x3ee4f8b588e368f1, ">10", Ok("     1e-05")),
        (0x3ee4f8b588e368f1, "_", Ok("1e-05")),
        (0x3ee4f8b588e368f1, "#.0", Ok("1.e-05")),
        (0x3ee4f8b588e368f1, "", Ok("1e-05")),
        (0x3ee4f8b588e368f1, ".2f", Ok("0.00")),
        (0x3ee4f8b588e368f1, ",.2f", Ok("0.00")),
        (0x3ee4f8b588e368f1, "%", Ok("0.001000%")),
        (0x40fe240c9fbe76c9, "#g", Ok("123457.")),
        (0x40fe240c9fbe76c9, ",", Ok("123,456.789")),
        (
            0x40fe240c9fbe76c9,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x40fe240c9fbe76c9, ".3g", Ok("1.23e+05")),
        (0x40fe240c9fbe76c9, "0=12", Ok("00123456.789")),
        (0x40fe240c9fbe76c9, "+", Ok("+123456.789")),
        (0x40fe240c9fbe76c9, "F", Ok("123456.789000")),
        (0x40fe240c9fbe76c9, ".3e", Ok("1.235e+05")),
        (0x40fe240c9fbe76c9, ".5", Ok("1.2346e+05")),
        (0x40fe240c9fbe76c9, "_^15,", Ok("__123,456.789__")),
        (0x40fe240c9fbe76c9, "#.0f", Ok("123457.")),
        (0x40fe240c9fbe76c9, "e", Ok("1.234568e+05")),
        (0x40fe240c9fbe76c9, "*^10", Ok("123456.789")),
        (0x40fe240c9fbe76c9, "020,g", Ok("0,000,000,000,123,457")),
        (0x40fe240c9fbe76c9, " ", Ok(" 123456.789")),
        (0x40fe240c9fbe76c9, ",.2f", Ok("123,456.79")),
        (0x40fe240c9fbe76c9, "08.3f", Ok("123456.789")),
        (0x40fe240c9fbe76c9, ".2f", Ok("123456.79")),
        (0x40fe240c9fbe76c9, "", Ok("123456.789")),
        (0x40fe240c9fbe76c9, ".2f", Ok("123456.79")),
        (0x40fe240c9fbe76c9, ",.2f", Ok("123,456.79")),
        (0x40fe240c9fbe76c9, "%", Ok("12345678.900000%")),
        (
            0x0000000000000001,
            ".100",
            Ok(
                "4.940656458412465441765687928682213723650598026143247644255856825006755072702087518652998363616359924e-324",
            ),
        ),
        (0x0000000000000001, "_^15,", Ok("____5e-324_____")),
        (0x0000000000000001, ".0f", Ok("0")),
        (0x0000000000000001, "^10", Ok("  5e-324  ")),
        (0x0000000000000001, " ", Ok(" 5e-324")),
        (0x0000000000000001, "E", Ok("4.940656E-324")),
        (0x0000000000000001, "<10", Ok("5e-324    ")),
        (0x0000000000000001, ",", Ok("5e-324")),
        (0x0000000000000001, "n", Ok("4.94066e-324")),
        (0x0000000000000001, "#.0e", Ok("5.e-324")),
        (0x0000000000000001, "+", Ok("+5e-324")),
        (0x0000000000000001, ".1%", Ok("0.0%")),
        (0x0000000000000001, "%", Ok("0.000000%")),
        (0x0000000000000001, ">10", Ok("    5e-324")),
        (0x0000000000000001, ".3g", Ok("4.94e-324")),
        (0x0000000000000001, "*^10", Ok("**5e-324**")),
        (0x0000000000000001, "#.0", Ok("5.e-324")),
        (0x0000000000000001, "g", Ok("4.94066e-324")),
        (0x0000000000000001, "", Ok("5e-324")),
        (0x0000000000000001, ".2f", Ok("0.00")),
        (0x0000000000000001, ",.2f", Ok("0.00")),
        (0x0000000000000001, "%", Ok("0.000000%")),
        (
            0x7fefffffffffffff,
            ".100",
            Ok(
                "1.797693134862315708145274237317043567980705675258449965989174768031572607800285387605895586327668782e+308",
            ),
        ),
        (
            0x7fefffffffffffff,
            ",.2f",
            Ok(
                "179,769,313,486,231,570,814,527,423,731,704,356,798,070,567,525,844,996,598,917,476,803,157,260,780,028,538,760,589,558,632,766,878,171,540,458,953,514,382,464,234,321,326,889,464,182,768,467,546,703,537,516,986,049,910,576,551,282,076,245,490,090,389,328,944,075,868,508,455,133,942,304,583,236,903,222,948,165,808,559,332,123,348,274,797,826,204,144,723,168,738,177,180,919,299,881,250,404,026,184,124,858,368.00",
            ),
        ),
        (0x7fefffffffffffff, "#.0", Ok("2.e+308")),
        (0x7fefffffffffffff, "*^10", Ok("1.7976931348623157e+308")),
        (0x7fefffffffffffff, ",", Ok("1.7976931348623157e+308")),
        (0x7fefffffffffffff, "+", Ok("+1.7976931348623157e+308")),
        (
            0x7fefffffffffffff,
            ".2f",
            Ok(
                "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00",
            ),
        ),
        (0x7fefffffffffffff, "0=12", Ok("1.7976931348623157e+308")),
        (0x7fefffffffffffff, "#g", Ok("1.79769e+308")),
        (0x7fefffffffffffff, "020,g", Ok("0,000,001.79769e+308")),
        (0x7fefffffffffffff, "n", Ok("1.79769e+308")),
        (
            0x7fefffffffffffff,
            "z.1f",
            Ok(
                "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.0",
            ),
        ),
        (
            0x7fefffffffffffff,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x7fefffffffffffff, "", Ok("1.7976931348623157e+308")),
        (0x7fefffffffffffff, "<10", Ok("1.7976931348623157e+308")),
        (0x7fefffffffffffff, "_^15,", Ok("1.7976931348623157e+308")),
        (
            0x7fefffffffffffff,
            "#.0f",
            Ok(
                "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.",
            ),
        ),
        (0x7fefffffffffffff, "#", Ok("1.7976931348623157e+308")),
        (0x7fefffffffffffff, "", Ok("1.7976931348623157e+308")),
        (
            0x7fefffffffffffff,
            ".2f",
            Ok(
                "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00",
            ),
        ),
        (
            0x7fefffffffffffff,
            ",.2f",
            Ok(
                "179,769,313,486,231,570,814,527,423,731,704,356,798,070,567,525,844,996,598,917,476,803,157,260,780,028,538,760,589,558,632,766,878,171,540,458,953,514,382,464,234,321,326,889,464,182,768,467,546,703,537,516,986,049,910,576,551,282,076,245,490,090,389,328,944,075,868,508,455,133,942,304,583,236,903,222,948,165,808,559,332,123,348,274,797,826,204,144,723,168,738,177,180,919,299,881,250,404,026,184,124,858,368.00",
            ),
        ),
        (0x7fefffffffffffff, "%", Ok("inf%")),
        (0x7ff0000000000000, "<10", Ok("inf       ")),
        (0x7ff0000000000000, "+", Ok("+inf")),
        (0x7ff0000000000000, ".3e", Ok("inf")),
        (
            0x7ff0000000000000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x7ff0000000000000, "e", Ok("inf")),
        (0x7ff0000000000000, "#", Ok("inf")),
        (0x7ff0000000000000, "08.3f", Ok("00000inf")),
        (0x7ff0000000000000, "n", Ok("inf")),
        (0x7ff0000000000000, ",.2f", Ok("inf")),
        (0x7ff0000000000000, ",", Ok("inf")),
        (0x7ff0000000000000, "z", Ok("inf")),
        (0x7ff0000000000000, "E", Ok("INF")),
        (0x7ff0000000000000, ".1%", Ok("inf%")),
        (0x7ff0000000000000, ".1", Ok("inf")),
        (0x7ff0000000000000, "z.1f", Ok("inf")),
        (0x7ff0000000000000, ".100", Ok("inf")),
        (0x7ff0000000000000, "_^15,", Ok("______inf______")),
        (0x7ff0000000000000, "G", Ok("INF")),
        (0x7ff0000000000000, "", Ok("inf")),
        (0x7ff0000000000000, ".2f", Ok("inf")),
        (0x7ff0000000000000, ",.2f", Ok("inf")),
        (0x7ff0000000000000, "%", Ok("inf%")),
        (0xfff0000000000000, ".5", Ok("-inf")),
        (0xfff0000000000000, "#.0e", Ok("-inf")),
        (0xfff0000000000000, ",", Ok("-inf")),
        (0xfff0000000000000, ".3e", Ok("-inf")),
        (0xfff0000000000000, ",.2f", Ok("-inf")),
        (0xfff0000000000000, "%", Ok("-inf%")),
        (0xfff0000000000000, "#.0f", Ok("-inf")),
        (0xfff0000000000000, "e", Ok("-inf")),
        (0xfff0000000000000, ".0f", Ok("-inf")),
        (0xfff0000000000000, "*^10", Ok("***-inf***")),
        (0xfff0000000000000, "08.3f", Ok("-0000inf")),
        (0xfff0000000000000, "E", Ok("-INF")),
        (0xfff0000000000000, "=+10", Ok("-      inf")),
        (0xfff0000000000000, "", Ok("-inf")),
        (0xfff0000000000000, "<10", Ok("-inf      ")),
        (0xfff0000000000000, "_^15,", Ok("_____-inf______")),
        (0xfff0000000000000, ".100", Ok("-inf")),
        (0xfff0000000000000, "015,", Ok("-00000000000inf")),
        (0xfff0000000000000, "", Ok("-inf")),
        (0xfff0000000000000, ".2f", Ok("-inf")),
        (0xfff0000000000000, ",.2f", Ok("-inf")),
        (0xfff0000000000000, "%", Ok("-inf%")),
        (0x7ff8000000000000, "E", Ok("NAN")),
        (0x7ff8000000000000, "015,", Ok("000000000000nan")),
        (0x7ff8000000000000, "#.0e", Ok("nan")),
        (0x7ff8000000000000, ">10", Ok("       nan")),
        (0x7ff8000000000000, ".3e", Ok("nan")),
        (0x7ff8000000000000, "#", Ok("nan")),
        (0x7ff8000000000000, "F", Ok("NAN")),
        (0x7ff8000000000000, "<10", Ok("nan       ")),
        (0x7ff8000000000000, "_^15,", Ok("______nan______")),
        (0x7ff8000000000000, ",.2f", Ok("nan")),
        (0x7ff8000000000000, "", Ok("nan")),
        (0x7ff8000000000000, ".3g", Ok("nan")),
        (0x7ff8000000000000, "0=12", Ok("000000000nan")),
        (0x7ff8000000000000, "#g", Ok("nan")),
        (0x7ff8000000000000, ",", Ok("nan")),
        (0x7ff8000000000000, "=+10", Ok("+      nan")),
        (0x7ff8000000000000, "*^10", Ok("***nan****")),
        (0x7ff8000000000000, " ", Ok(" nan")),
        (0x7ff8000000000000, "", Ok("nan")),
        (0x7ff8000000000000, ".2f", Ok("nan")),
        (0x7ff8000000000000, ",.2f", Ok("nan")),
        (0x7ff8000000000000, "%", Ok("nan%")),
        (0x3ff0000000000000, "#.0", Ok("1.e+00")),
        (0x3ff0000000000000, "+", Ok("+1.0")),
        (0x3ff0000000000000, ".1", Ok("1e+00")),
        (0x3ff0000000000000, "^10", Ok("   1.0    ")),
        (0x3ff0000000000000, ",", Ok("1.0")),
        (0x3ff0000000000000, "08.3f", Ok("0001.000")),
        (0x3ff0000000000000, ".2f", Ok("1.00")),
        (0x3ff0000000000000, "=+10", Ok("+      1.0")),
        (0x3ff0000000000000, "_", Ok("1.0")),
        (0x3ff0000000000000, "#", Ok("1.0")),
        (0x3ff0000000000000, "_^15,", Ok("______1.0______")),
        (0x3ff0000000000000, "g", Ok("1")),
        (0x3ff0000000000000, "*^10", Ok("***1.0****")),
        (0x3ff0000000000000, "0=12", Ok("0000000001.0")),
        (0x3ff0000000000000, "E", Ok("1.000000E+00")),
        (0x3ff0000000000000, ".3e", Ok("1.000e+00")),
        (
            0x3ff0000000000000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x3ff0000000000000, "%", Ok("100.000000%")),
        (0x3ff0000000000000, "", Ok("1.0")),
        (0x3ff0000000000000, ".2f", Ok("1.00")),
        (0x3ff0000000000000, ",.2f", Ok("1.00")),
        (0x3ff0000000000000, "%", Ok("100.000000%")),
        (0xbff8000000000000, ".1%", Ok("-150.0%")),
        (0xbff8000000000000, ",.2f", Ok("-1.50")),
        (0xbff8000000000000, ">10", Ok("      -1.5")),
        (0xbff8000000000000, " ", Ok("-1.5")),
        (0xbff8000000000000, "020,g", Ok("-0,000,000,000,001.5")),
        (0xbff8000000000000, "z", Ok("-1.5")),
        (0xbff8000000000000, ".1", Ok("-2e+00")),
        (0xbff8000000000000, "08.3f", Ok("-001.500")),
        (0xbff8000000000000, ".3g", Ok("-1.5")),
        (0xbff8000000000000, "z.1f", Ok("-1.5")),
        (0xbff8000000000000, "<10", Ok("-1.5      ")),
        (0xbff8000000000000, ".2f", Ok("-1.50")),
        (0xbff8000000000000, "=+10", Ok("-      1.5")),
        (0xbff8000000000000, ".3e", Ok("-1.500e+00")),
        (0xbff8000000000000, "", Ok("-1.5")),
        (0xbff8000000000000, ",", Ok("-1.5")),
        (0xbff8000000000000, "_^15,", Ok("_____-1.5______")),
        (0xbff8000000000000, ".5", Ok("-1.5")),
        (0xbff8000000000000, "", Ok("-1.5")),
        (0xbff8000000000000, ".2f", Ok("-1.50")),
        (0xbff8000000000000, ",.2f", Ok("-1.50")),
        (0xbff8000000000000, "%", Ok("-150.000000%")),
        (0x4004000000000000, ".1%", Ok("250.0%")),
        (0x4004000000000000, "_^15,", Ok("______2.5______")),
        (
            0x4004000000000000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x4004000000000000, ",", Ok("2.5")),
        (0x4004000000000000, ".3e", Ok("2.500e+00")),
        (0x4004000000000000, "+", Ok("+2.5")),
        (0x4004000000000000, ".1", Ok("2e+00")),
        (0x4004000000000000, "0=12", Ok("0000000002.5")),
        (0x4004000000000000, "n", Ok("2.5")),
        (0x4004000000000000, "%", Ok("250.000000%")),
        (0x4004000000000000, "z.1f", Ok("2.5")),
        (0x4004000000000000, ".5", Ok("2.5")),
        (0x4004000000000000, "020,g", Ok("00,000,000,000,002.5")),
        (0x4004000000000000, ".100", Ok("2.5")),
        (0x4004000000000000, "#g", Ok("2.50000")),
        (0x4004000000000000, "*^10", Ok("***2.5****")),
        (0x4004000000000000, " ", Ok(" 2.5")),
        (0x4004000000000000, "", Ok("2.5")),
        (0x4004000000000000, "", Ok("2.5")),
        (0x4004000000000000, ".2f", Ok("2.50")),
        (0x4004000000000000, ",.2f", Ok("2.50")),
        (0x4004000000000000, "%", Ok("250.000000%")),
        (0x4480f0cf064dd592, "015,", Ok("000,000,001e+22")),
        (0x4480f0cf064dd592, " ", Ok(" 1e+22")),
        (0x4480f0cf064dd592, "e", Ok("1.000000e+22")),
        (0x4480f0cf064dd592, ".0f", Ok("10000000000000000000000")),
        (0x4480f0cf064dd592, "_^15,", Ok("_____1e+22_____")),
        (0x4480f0cf064dd592, "#.0e", Ok("1.e+22")),
        (0x4480f0cf064dd592, ".5", Ok("1e+22")),
        (
            0x4480f0cf064dd592,
            "08.3f",
            Ok("10000000000000000000000.000"),
        ),
        (0x4480f0cf064dd592, "0=12", Ok("00000001e+22")),
        (0x4480f0cf064dd592, ".1%", Ok("999999999999999983222784.0%")),
        (0x4480f0cf064dd592, ".100", Ok("10000000000000000000000.0")),
        (0x4480f0cf064dd592, "#g", Ok("1.00000e+22")),
        (0x4480f0cf064dd592, "020,g", Ok("0,000,000,000,001e+22")),
        (0x4480f0cf064dd592, "_", Ok("1e+22")),
        (0x4480f0cf064dd592, ",", Ok("1e+22")),
        (0x4480f0cf064dd592, "G", Ok("1E+22")),
        (
            0x4480f0cf064dd592,
            "F",
            Ok("10000000000000000000000.000000"),
        ),
        (0x4480f0cf064dd592, "E", Ok("1.000000E+22")),
        (0x4480f0cf064dd592, "", Ok("1e+22")),
        (0x4480f0cf064dd592, ".2f", Ok("10000000000000000000000.00")),
        (
            0x4480f0cf064dd592,
            ",.2f",
            Ok("10,000,000,000,000,000,000,000.00"),
        ),
        (
            0x4480f0cf064dd592,
            "%",
            Ok("999999999999999983222784.000000%"),
        ),
        (0x3e8421f5f40d8376, " ", Ok(" 1.5e-07")),
        (0x3e8421f5f40d8376, "#.0f", Ok("0.")),
        (
            0x3e8421f5f40d8376,
            ".100",
            Ok("1.4999999999999999321221677388293880284209080855362117290496826171875e-07"),
        ),
        (0x3e8421f5f40d8376, "G", Ok("1.5E-07")),
        (0x3e8421f5f40d8376, ".1%", Ok("0.0%")),
        (0x3e8421f5f40d8376, "015,", Ok("0,000,001.5e-07")),
        (0x3e8421f5f40d8376, "E", Ok("1.500000E-07")),
        (0x3e8421f5f40d8376, "g", Ok("1.5e-07")),
        (0x3e8421f5f40d8376, "#.0e", Ok("1.e-07")),
        (0x3e8421f5f40d8376, ".0f", Ok("0")),
        (
            0x3e8421f5f40d8376,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x3e8421f5f40d8376, "08.3f", Ok("0000.000")),
        (0x3e8421f5f40d8376, "#.0", Ok("1.e-07")),
        (0x3e8421f5f40d8376, ".3e", Ok("1.500e-07")),
        (0x3e8421f5f40d8376, "0=12", Ok("000001.5e-07")),
        (0x3e8421f5f40d8376, "020,g", Ok("00,000,000,001.5e-07")),
        (0x3e8421f5f40d8376, "_", Ok("1.5e-07")),
        (0x3e8421f5f40d8376, "z.1f", Ok("0.0")),
        (0x3e8421f5f40d8376, "", Ok("1.5e-07")),
        (0x3e8421f5f40d8376, ".2f", Ok("0.00")),
        (0x3e8421f5f40d8376, ",.2f", Ok("0.00")),
        (0x3e8421f5f40d8376, "%", Ok("0.000015%")),
        (0x42dc12218377de40, "e", Ok("1.234568e+14")),
        (0x42dc12218377de40, "#", Ok("123456789012345.0")),
        (0x42dc12218377de40, "_^15,", Ok("123,456,789,012,345.0")),
        (0x42dc12218377de40, "<10", Ok("123456789012345.0")),
        (0x42dc12218377de40, ".3g", Ok("1.23e+14")),
        (0x42dc12218377de40, ".0f", Ok("123456789012345")),
        (0x42dc12218377de40, ".3e", Ok("1.235e+14")),
        (
            0x42dc12218377de40,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x42dc12218377de40, "015,", Ok("123,456,789,012,345.0")),
        (0x42dc12218377de40, "F", Ok("123456789012345.000000")),
        (0x42dc12218377de40, "^10", Ok("123456789012345.0")),
        (0x42dc12218377de40, ".1%", Ok("12345678901234500.0%")),
        (0x42dc12218377de40, ",.2f", Ok("123,456,789,012,345.00")),
        (0x42dc12218377de40, "_", Ok("123_456_789_012_345.0")),
        (0x42dc12218377de40, "z.1f", Ok("123456789012345.0")),
        (0x42dc12218377de40, "#g", Ok("1.23457e+14")),
        (0x42dc12218377de40, ".5", Ok("1.2346e+14")),
        (0x42dc12218377de40, ">10", Ok("123456789012345.0")),
        (0x42dc12218377de40, "", Ok("123456789012345.0")),
        (0x42dc12218377de40, ".2f", Ok("123456789012345.00")),
        (0x42dc12218377de40, ",.2f", Ok("123,456,789,012,345.00")),
        (0x42dc12218377de40, "%", Ok("12345678901234500.000000%")),
        (0x3fe0000000000000, "015,", Ok("0,000,000,000.5")),
        (0x3fe0000000000000, "E", Ok("5.000000E-01")),
        (0x3fe0000000000000, "#", Ok("0.5")),
        (0x3fe0000000000000, "#g", Ok("0.500000")),
        (0x3fe0000000000000, "G", Ok("0.5")),
        (0x3fe0000000000000, "g", Ok("0.5")),
        (0x3fe0000000000000, ".0f", Ok("0")),
        (0x3fe0000000000000, "_^15,", Ok("______0.5______")),
        (0x3fe0000000000000, "n", Ok("0.5")),
        (0x3fe0000000000000, "*^10", Ok("***0.5****")),
        (0x3fe0000000000000, ".5", Ok("0.5")),
        (0x3fe0000000000000, "0=12", Ok("0000000000.5")),
        (0x3fe0000000000000, "#.0f", Ok("0.")),
        (0x3fe0000000000000, "08.3f", Ok("0000.500")),
        (0x3fe0000000000000, "", Ok("0.5")),
        (0x3fe0000000000000, "%", Ok("50.000000%")),
        (0x3fe0000000000000, ".1%", Ok("50.0%")),
        (0x3fe0000000000000, "e", Ok("5.000000e-01")),
        (0x3fe0000000000000, "", Ok("0.5")),
        (0x3fe0000000000000, ".2f", Ok("0.50")),
        (0x3fe0000000000000, ",.2f", Ok("0.50")),
        (0x3fe0000000000000, "%", Ok("50.000000%")),
        (0xc0934a456d5cfaad, "^10", Ok("-1234.5678")),
        (0xc0934a456d5cfaad, ",", Ok("-1,234.5678")),
        (0xc0934a456d5cfaad, "+", Ok("-1234.5678")),
        (0xc0934a456d5cfaad, ".1", Ok("-1e+03")),
        (0xc0934a456d5cfaad, ".1%", Ok("-123456.8%")),
        (0xc0934a456d5cfaad, "e", Ok("-1.234568e+03")),
        (0xc0934a456d5cfaad, "#.0", Ok("-1.e+03")),
        (0xc0934a456d5cfaad, ".3g", Ok("-1.23e+03")),
        (0xc0934a456d5cfaad, ".2f", Ok("-1234.57")),
        (0xc0934a456d5cfaad, "#.0f", Ok("-1235.")),
        (0xc0934a456d5cfaad, "_^15,", Ok("__-1,234.5678__")),
        (0xc0934a456d5cfaad, ".0f", Ok("-1235")),
        (
            0xc0934a456d5cfaad,
            ".100",
            Ok("-1234.567800000000033833202905952930450439453125"),
        ),
        (0xc0934a456d5cfaad, "=+10", Ok("-1234.5678")),
        (0xc0934a456d5cfaad, "F", Ok("-1234.567800")),
        (
            0xc0934a456d5cfaad,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0xc0934a456d5cfaad, ".3e", Ok("-1.235e+03")),
        (0xc0934a456d5cfaad, "*^10", Ok("-1234.5678")),
        (0xc0934a456d5cfaad, "", Ok("-1234.5678")),
        (0xc0934a456d5cfaad, ".2f", Ok("-1234.57")),
        (0xc0934a456d5cfaad, ",.2f", Ok("-1,234.57")),
        (0xc0934a456d5cfaad, "%", Ok("-123456.780000%")),
        (0x3ddb7cdfd9d7bdbb, "e", Ok("1.000000e-10")),
        (0x3ddb7cdfd9d7bdbb, "n", Ok("1e-10")),
        (0x3ddb7cdfd9d7bdbb, "#g", Ok("1.00000e-10")),
        (0x3ddb7cdfd9d7bdbb, "^10", Ok("  1e-10   ")),
        (0x3ddb7cdfd9d7bdbb, "#", Ok("1.e-10")),
        (0x3ddb7cdfd9d7bdbb, " ", Ok(" 1e-10")),
        (0x3ddb7cdfd9d7bdbb, "+", Ok("+1e-10")),
        (
            0x3ddb7cdfd9d7bdbb,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x3ddb7cdfd9d7bdbb, "020,g", Ok("0,000,000,000,001e-10")),
        (0x3ddb7cdfd9d7bdbb, "z", Ok("1e-10")),
        (0x3ddb7cdfd9d7bdbb, "#.0", Ok("1.e-10")),
        (0x3ddb7cdfd9d7bdbb, "#.0f", Ok("0.")),
        (0x3ddb7cdfd9d7bdbb, "G", Ok("1E-10")),
        (0x3ddb7cdfd9d7bdbb, ".1%", Ok("0.0%")),
        (0x3ddb7cdfd9d7bdbb, "<10", Ok("1e-10     ")),
        (0x3ddb7cdfd9d7bdbb, "0=12", Ok("00000001e-10")),
        (0x3ddb7cdfd9d7bdbb, "#.0e", Ok("1.e-10")),
        (0x3ddb7cdfd9d7bdbb, "_^15,", Ok("_____1e-10_____")),
        (0x3ddb7cdfd9d7bdbb, "", Ok("1e-10")),
        (0x3ddb7cdfd9d7bdbb, ".2f", Ok("0.00")),
        (0x3ddb7cdfd9d7bdbb, ",.2f", Ok("0.00")),
        (0x3ddb7cdfd9d7bdbb, "%", Ok("0.000000%")),
        (0x412e847f00000000, ",.2f", Ok("999,999.50")),
        (0x412e847f00000000, "G", Ok("1E+06")),
        (0x412e847f00000000, ",", Ok("999,999.5")),
        (0x412e847f00000000, ".0f", Ok("1000000")),
        (0x412e847f00000000, "+", Ok("+999999.5")),
        (
            0x412e847f00000000,
            "x",
            Err("Unknown format code 'x' for object of type 'float'"),
        ),
        (0x412e847f00000000, "=+10", Ok("+ 999999.5")),
        (0x412e847f00000000, "#.0e", Ok("1.e+06")),
        (0x412e847f00000000, "#.0", Ok("1.e+06")),
        (0x412e847f00000000, ".1%", Ok("99999950.0%")),
        (0x412e847f00000000, "z.1f", Ok("999999.5")),
        (0x412e847f00000000, "n", Ok("1e+06")),
        (0x412e847f00000000, "#g", Ok("1.00000e+06")),
        (0x412e847f00000000, "020,g", Ok("0,000,000,000,001e+06")),
        (0x412e847f00000000, " ", Ok(" 999999.5")),
        (0x412e847f00000000, "", Ok("999999.5")),
        (0x412e847f00000000, "%", Ok("99999950.000000%")),
        (0x412e847f00000000, "0=12", Ok("0000999999.5")),
        (0x412e847f00000000, "", Ok("999999.5")),
        (0x412e847f00000000, ".2f", Ok("999999.50")),
        (0x412e847f00000000, ",.2f", Ok("999,999.50")),
        (0x412e847f00000000, "%", Ok("99999950.000000%")),
    ];
    const INT_CASES: &[(&str, &str, Result<&str, &str>)] = &[
        ("0", "", Ok("0")),
        ("0", "d", Ok("0")),
        ("0", "n", Ok("0")),
        ("0", "b", Ok("0")),
        ("0", "o", Ok("0")),
        ("0", "x", Ok("0")),
        ("0", "X", Ok("0")),
        ("0", "c", Ok("\u{0}")),
        ("0", "#x", Ok("0x0")),
        ("0", "#o", Ok("0o0")),
        ("0", "#b", Ok("0b0")),
        ("0", "#X", Ok("0X0")),
        ("0", "+d", Ok("+0")),
        ("0", " d", Ok(" 0")),
        ("0", ",", Ok("0")),
        ("0", "_", Ok("0")),
        ("0", "_b", Ok("0")),
        ("0", "_x", Ok("0")),
        ("0", "#_x", Ok("0x0")),
        ("0", ",x", Err("Cannot specify ',' with 'x'.")),
        ("0", ">10", Ok("         0")),
        ("0", "<10", Ok("0         ")),
        ("0", "^10", Ok("    0     ")),
        ("0", "*^10", Ok("****0*****")),
        ("0", "=+10", Ok("+        0")),
        ("0", "010", Ok("0000000000")),
        ("0", "08,", Ok("0,000,000")),
        ("0", "09,", Ok("0,000,000")),
        ("0", "012,", Ok("0,000,000,000")),
        ("0", "0=12,", Ok("0,000,000,000")),
        ("0", "#010x", Ok("0x00000000")),
        ("0", "#012_b", Ok("0b0_0000_0000")),
        ("0", "e", Ok("0.000000e+00")),
        ("0", ".3e", Ok("0.000e+00")),
        ("0", ".2f", Ok("0.00")),
        ("0", "g", Ok("0")),
        ("0", "%", Ok("0.000000%")),
        ("0", ".1%", Ok("0.0%")),
        ("0", "z.1f", Ok("0.0")),
        (
            "0",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "0",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "0",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "0",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("0", "05c", Ok("0000\u{0}")),
        (
            "0",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "0",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("0", "中>8", Ok("中中中中中中中0")),
        ("0", "<010", Ok("0000000000")),
        ("0", "*<05", Ok("0****")),
        ("0", "１０", Ok("         0")),
        ("1", "", Ok("1")),
        ("1", "d", Ok("1")),
        ("1", "n", Ok("1")),
        ("1", "b", Ok("1")),
        ("1", "o", Ok("1")),
        ("1", "x", Ok("1")),
        ("1", "X", Ok("1")),
        ("1", "c", Ok("\u{1}")),
        ("1", "#x", Ok("0x1")),
        ("1", "#o", Ok("0o1")),
        ("1", "#b", Ok("0b1")),
        ("1", "#X", Ok("0X1")),
        ("1", "+d", Ok("+1")),
        ("1", " d", Ok(" 1")),
        ("1", ",", Ok("1")),
        ("1", "_", Ok("1")),
        ("1", "_b", Ok("1")),
        ("1", "_x", Ok("1")),
        ("1", "#_x", Ok("0x1")),
        ("1", ",x", Err("Cannot specify ',' with 'x'.")),
        ("1", ">10", Ok("         1")),
        ("1", "<10", Ok("1         ")),
        ("1", "^10", Ok("    1     ")),
        ("1", "*^10", Ok("****1*****")),
        ("1", "=+10", Ok("+        1")),
        ("1", "010", Ok("0000000001")),
        ("1", "08,", Ok("0,000,001")),
        ("1", "09,", Ok("0,000,001")),
        ("1", "012,", Ok("0,000,000,001")),
        ("1", "0=12,", Ok("0,000,000,001")),
        ("1", "#010x", Ok("0x00000001")),
        ("1", "#012_b", Ok("0b0_0000_0001")),
        ("1", "e", Ok("1.000000e+00")),
        ("1", ".3e", Ok("1.000e+00")),
        ("1", ".2f", Ok("1.00")),
        ("1", "g", Ok("1")),
        ("1", "%", Ok("100.000000%")),
        ("1", ".1%", Ok("100.0%")),
        ("1", "z.1f", Ok("1.0")),
        (
            "1",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "1",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "1",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "1",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("1", "05c", Ok("0000\u{1}")),
        (
            "1",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "1",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("1", "中>8", Ok("中中中中中中中1")),
        ("1", "<010", Ok("1000000000")),
        ("1", "*<05", Ok("1****")),
        ("1", "１０", Ok("         1")),
        ("-1", "", Ok("-1")),
        ("-1", "d", Ok("-1")),
        ("-1", "n", Ok("-1")),
        ("-1", "b", Ok("-1")),
        ("-1", "o", Ok("-1")),
        ("-1", "x", Ok("-1")),
        ("-1", "X", Ok("-1")),
        ("-1", "c", Err("%c arg not in range(0x110000)")),
        ("-1", "#x", Ok("-0x1")),
        ("-1", "#o", Ok("-0o1")),
        ("-1", "#b", Ok("-0b1")),
        ("-1", "#X", Ok("-0X1")),
        ("-1", "+d", Ok("-1")),
        ("-1", " d", Ok("-1")),
        ("-1", ",", Ok("-1")),
        ("-1", "_", Ok("-1")),
        ("-1", "_b", Ok("-1")),
        ("-1", "_x", Ok("-1")),
        ("-1", "#_x", Ok("-0x1")),
        ("-1", ",x", Err("Cannot specify ',' with 'x'.")),
        ("-1", ">10", Ok("        -1")),
        ("-1", "<10", Ok("-1        ")),
        ("-1", "^10", Ok("    -1    ")),
        ("-1", "*^10", Ok("****-1****")),
        ("-1", "=+10", Ok("-        1")),
        ("-1", "010", Ok("-000000001")),
        ("-1", "08,", Ok("-000,001")),
        ("-1", "09,", Ok("-0,000,001")),
        ("-1", "012,", Ok("-000,000,001")),
        ("-1", "0=12,", Ok("-000,000,001")),
        ("-1", "#010x", Ok("-0x0000001")),
        ("-1", "#012_b", Ok("-0b0000_0001")),
        ("-1", "e", Ok("-1.000000e+00")),
        ("-1", ".3e", Ok("-1.000e+00")),
        ("-1", ".2f", Ok("-1.00")),
        ("-1", "g", Ok("-1")),
        ("-1", "%", Ok("-100.000000%")),
        ("-1", ".1%", Ok("-100.0%")),
        ("-1", "z.1f", Ok("-1.0")),
        (
            "-1",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "-1",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "-1",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "-1",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("-1", "05c", Err("%c arg not in range(0x110000)")),
        (
            "-1",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "-1",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("-1", "中>8", Ok("中中中中中中-1")),
        ("-1", "<010", Ok("-100000000")),
        ("-1", "*<05", Ok("-1***")),
        ("-1", "１０", Ok("        -1")),
        ("42", "", Ok("42")),
        ("42", "d", Ok("42")),
        ("42", "n", Ok("42")),
        ("42", "b", Ok("101010")),
        ("42", "o", Ok("52")),
        ("42", "x", Ok("2a")),
        ("42", "X", Ok("2A")),
        ("42", "c", Ok("*")),
        ("42", "#x", Ok("0x2a")),
        ("42", "#o", Ok("0o52")),
        ("42", "#b", Ok("0b101010")),
        ("42", "#X", Ok("0X2A")),
        ("42", "+d", Ok("+42")),
        ("42", " d", Ok(" 42")),
        ("42", ",", Ok("42")),
        ("42", "_", Ok("42")),
        ("42", "_b", Ok("10_1010")),
        ("42", "_x", Ok("2a")),
        ("42", "#_x", Ok("0x2a")),
        ("42", ",x", Err("Cannot specify ',' with 'x'.")),
        ("42", ">10", Ok("        42")),
        ("42", "<10", Ok("42        ")),
        ("42", "^10", Ok("    42    ")),
        ("42", "*^10", Ok("****42****")),
        ("42", "=+10", Ok("+       42")),
        ("42", "010", Ok("0000000042")),
        ("42", "08,", Ok("0,000,042")),
        ("42", "09,", Ok("0,000,042")),
        ("42", "012,", Ok("0,000,000,042")),
        ("42", "0=12,", Ok("0,000,000,042")),
        ("42", "#010x", Ok("0x0000002a")),
        ("42", "#012_b", Ok("0b0_0010_1010")),
        ("42", "e", Ok("4.200000e+01")),
        ("42", ".3e", Ok("4.200e+01")),
        ("42", ".2f", Ok("42.00")),
        ("42", "g", Ok("42")),
        ("42", "%", Ok("4200.000000%")),
        ("42", ".1%", Ok("4200.0%")),
        ("42", "z.1f", Ok("42.0")),
        (
            "42",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "42",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "42",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "42",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("42", "05c", Ok("0000*")),
        (
            "42",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "42",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("42", "中>8", Ok("中中中中中中42")),
        ("42", "<010", Ok("4200000000")),
        ("42", "*<05", Ok("42***")),
        ("42", "１０", Ok("        42")),
        ("-255", "", Ok("-255")),
        ("-255", "d", Ok("-255")),
        ("-255", "n", Ok("-255")),
        ("-255", "b", Ok("-11111111")),
        ("-255", "o", Ok("-377")),
        ("-255", "x", Ok("-ff")),
        ("-255", "X", Ok("-FF")),
        ("-255", "c", Err("%c arg not in range(0x110000)")),
        ("-255", "#x", Ok("-0xff")),
        ("-255", "#o", Ok("-0o377")),
        ("-255", "#b", Ok("-0b11111111")),
        ("-255", "#X", Ok("-0XFF")),
        ("-255", "+d", Ok("-255")),
        ("-255", " d", Ok("-255")),
        ("-255", ",", Ok("-255")),
        ("-255", "_", Ok("-255")),
        ("-255", "_b", Ok("-1111_1111")),
        ("-255", "_x", Ok("-ff")),
        ("-255", "#_x", Ok("-0xff")),
        ("-255", ",x", Err("Cannot specify ',' with 'x'.")),
        ("-255", ">10", Ok("      -255")),
        ("-255", "<10", Ok("-255      ")),
        ("-255", "^10", Ok("   -255   ")),
        ("-255", "*^10", Ok("***-255***")),
        ("-255", "=+10", Ok("-      255")),
        ("-255", "010", Ok("-000000255")),
        ("-255", "08,", Ok("-000,255")),
        ("-255", "09,", Ok("-0,000,255")),
        ("-255", "012,", Ok("-000,000,255")),
        ("-255", "0=12,", Ok("-000,000,255")),
        ("-255", "#010x", Ok("-0x00000ff")),
        ("-255", "#012_b", Ok("-0b1111_1111")),
        ("-255", "e", Ok("-2.550000e+02")),
        ("-255", ".3e", Ok("-2.550e+02")),
        ("-255", ".2f", Ok("-255.00")),
        ("-255", "g", Ok("-255")),
        ("-255", "%", Ok("-25500.000000%")),
        ("-255", ".1%", Ok("-25500.0%")),
        ("-255", "z.1f", Ok("-255.0")),
        (
            "-255",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "-255",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "-255",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "-255",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("-255", "05c", Err("%c arg not in range(0x110000)")),
        (
            "-255",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "-255",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("-255", "中>8", Ok("中中中中-255")),
        ("-255", "<010", Ok("-255000000")),
        ("-255", "*<05", Ok("-255*")),
        ("-255", "１０", Ok("      -255")),
        ("1234", "", Ok("1234")),
        ("1234", "d", Ok("1234")),
        ("1234", "n", Ok("1234")),
        ("1234", "b", Ok("10011010010")),
        ("1234", "o", Ok("2322")),
        ("1234", "x", Ok("4d2")),
        ("1234", "X", Ok("4D2")),
        ("1234", "c", Ok("Ӓ")),
        ("1234", "#x", Ok("0x4d2")),
        ("1234", "#o", Ok("0o2322")),
        ("1234", "#b", Ok("0b10011010010")),
        ("1234", "#X", Ok("0X4D2")),
        ("1234", "+d", Ok("+1234")),
        ("1234", " d", Ok(" 1234")),
        ("1234", ",", Ok("1,234")),
        ("1234", "_", Ok("1_234")),
        ("1234", "_b", Ok("100_1101_0010")),
        ("1234", "_x", Ok("4d2")),
        ("1234", "#_x", Ok("0x4d2")),
        ("1234", ",x", Err("Cannot specify ',' with 'x'.")),
        ("1234", ">10", Ok("      1234")),
        ("1234", "<10", Ok("1234      ")),
        ("1234", "^10", Ok("   1234   ")),
        ("1234", "*^10", Ok("***1234***")),
        ("1234", "=+10", Ok("+     1234")),
        ("1234", "010", Ok("0000001234")),
        ("1234", "08,", Ok("0,001,234")),
        ("1234", "09,", Ok("0,001,234")),
        ("1234", "012,", Ok("0,000,001,234")),
        ("1234", "0=12,", Ok("0,000,001,234")),
        ("1234", "#010x", Ok("0x000004d2")),
        ("1234", "#012_b", Ok("0b100_1101_0010")),
        ("1234", "e", Ok("1.234000e+03")),
        ("1234", ".3e", Ok("1.234e+03")),
        ("1234", ".2f", Ok("1234.00")),
        ("1234", "g", Ok("1234")),
        ("1234", "%", Ok("123400.000000%")),
        ("1234", ".1%", Ok("123400.0%")),
        ("1234", "z.1f", Ok("1234.0")),
        (
            "1234",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "1234",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "1234",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "1234",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("1234", "05c", Ok("0000Ӓ")),
        (
            "1234",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "1234",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("1234", "中>8", Ok("中中中中1234")),
        ("1234", "<010", Ok("1234000000")),
        ("1234", "*<05", Ok("1234*")),
        ("1234", "１０", Ok("      1234")),
        ("-12345", "", Ok("-12345")),
        ("-12345", "d", Ok("-12345")),
        ("-12345", "n", Ok("-12345")),
        ("-12345", "b", Ok("-11000000111001")),
        ("-12345", "o", Ok("-30071")),
        ("-12345", "x", Ok("-3039")),
        ("-12345", "X", Ok("-3039")),
        ("-12345", "c", Err("%c arg not in range(0x110000)")),
        ("-12345", "#x", Ok("-0x3039")),
        ("-12345", "#o", Ok("-0o30071")),
        ("-12345", "#b", Ok("-0b11000000111001")),
        ("-12345", "#X", Ok("-0X3039")),
        ("-12345", "+d", Ok("-12345")),
        ("-12345", " d", Ok("-12345")),
        ("-12345", ",", Ok("-12,345")),
        ("-12345", "_", Ok("-12_345")),
        ("-12345", "_b", Ok("-11_0000_0011_1001")),
        ("-12345", "_x", Ok("-3039")),
        ("-12345", "#_x", Ok("-0x3039")),
        ("-12345", ",x", Err("Cannot specify ',' with 'x'.")),
        ("-12345", ">10", Ok("    -12345")),
        ("-12345", "<10", Ok("-12345    ")),
        ("-12345", "^10", Ok("  -12345  ")),
        ("-12345", "*^10", Ok("**-12345**")),
        ("-12345", "=+10", Ok("-    12345")),
        ("-12345", "010", Ok("-000012345")),
        ("-12345", "08,", Ok("-012,345")),
        ("-12345", "09,", Ok("-0,012,345")),
        ("-12345", "012,", Ok("-000,012,345")),
        ("-12345", "0=12,", Ok("-000,012,345")),
        ("-12345", "#010x", Ok("-0x0003039")),
        ("-12345", "#012_b", Ok("-0b11_0000_0011_1001")),
        ("-12345", "e", Ok("-1.234500e+04")),
        ("-12345", ".3e", Ok("-1.234e+04")),
        ("-12345", ".2f", Ok("-12345.00")),
        ("-12345", "g", Ok("-12345")),
        ("-12345", "%", Ok("-1234500.000000%")),
        ("-12345", ".1%", Ok("-1234500.0%")),
        ("-12345", "z.1f", Ok("-12345.0")),
        (
            "-12345",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "-12345",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "-12345",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "-12345",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("-12345", "05c", Err("%c arg not in range(0x110000)")),
        (
            "-12345",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "-12345",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("-12345", "中>8", Ok("中中-12345")),
        ("-12345", "<010", Ok("-123450000")),
        ("-12345", "*<05", Ok("-12345")),
        ("-12345", "１０", Ok("    -12345")),
        ("123456789", "", Ok("123456789")),
        ("123456789", "d", Ok("123456789")),
        ("123456789", "n", Ok("123456789")),
        ("123456789", "b", Ok("111010110111100110100010101")),
        ("123456789", "o", Ok("726746425")),
        ("123456789", "x", Ok("75bcd15")),
        ("123456789", "X", Ok("75BCD15")),
        ("123456789", "c", Err("%c arg not in range(0x110000)")),
        ("123456789", "#x", Ok("0x75bcd15")),
        ("123456789", "#o", Ok("0o726746425")),
        ("123456789", "#b", Ok("0b111010110111100110100010101")),
        ("123456789", "#X", Ok("0X75BCD15")),
        ("123456789", "+d", Ok("+123456789")),
        ("123456789", " d", Ok(" 123456789")),
        ("123456789", ",", Ok("123,456,789")),
        ("123456789", "_", Ok("123_456_789")),
        ("123456789", "_b", Ok("111_0101_1011_1100_1101_0001_0101")),
        ("123456789", "_x", Ok("75b_cd15")),
        ("123456789", "#_x", Ok("0x75b_cd15")),
        ("123456789", ",x", Err("Cannot specify ',' with 'x'.")),
        ("123456789", ">10", Ok(" 123456789")),
        ("123456789", "<10", Ok("123456789 ")),
        ("123456789", "^10", Ok("123456789 ")),
        ("123456789", "*^10", Ok("123456789*")),
        ("123456789", "=+10", Ok("+123456789")),
        ("123456789", "010", Ok("0123456789")),
        ("123456789", "08,", Ok("123,456,789")),
        ("123456789", "09,", Ok("123,456,789")),
        ("123456789", "012,", Ok("0,123,456,789")),
        ("123456789", "0=12,", Ok("0,123,456,789")),
        ("123456789", "#010x", Ok("0x075bcd15")),
        (
            "123456789",
            "#012_b",
            Ok("0b111_0101_1011_1100_1101_0001_0101"),
        ),
        ("123456789", "e", Ok("1.234568e+08")),
        ("123456789", ".3e", Ok("1.235e+08")),
        ("123456789", ".2f", Ok("123456789.00")),
        ("123456789", "g", Ok("1.23457e+08")),
        ("123456789", "%", Ok("12345678900.000000%")),
        ("123456789", ".1%", Ok("12345678900.0%")),
        ("123456789", "z.1f", Ok("123456789.0")),
        (
            "123456789",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "123456789",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "123456789",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "123456789",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("123456789", "05c", Err("%c arg not in range(0x110000)")),
        (
            "123456789",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "123456789",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("123456789", "中>8", Ok("123456789")),
        ("123456789", "<010", Ok("1234567890")),
        ("123456789", "*<05", Ok("123456789")),
        ("123456789", "１０", Ok(" 123456789")),
        ("100000000000000000000", "", Ok("100000000000000000000")),
        ("100000000000000000000", "d", Ok("100000000000000000000")),
        ("100000000000000000000", "n", Ok("100000000000000000000")),
        (
            "100000000000000000000",
            "b",
            Ok("1010110101111000111010111100010110101100011000100000000000000000000"),
        ),
        ("100000000000000000000", "o", Ok("12657072742654304000000")),
        ("100000000000000000000", "x", Ok("56bc75e2d63100000")),
        ("100000000000000000000", "X", Ok("56BC75E2D63100000")),
        (
            "100000000000000000000",
            "c",
            Err("Python int too large to convert to C long"),
        ),
        ("100000000000000000000", "#x", Ok("0x56bc75e2d63100000")),
        (
            "100000000000000000000",
            "#o",
            Ok("0o12657072742654304000000"),
        ),
        (
            "100000000000000000000",
            "#b",
            Ok("0b1010110101111000111010111100010110101100011000100000000000000000000"),
        ),
        ("100000000000000000000", "#X", Ok("0X56BC75E2D63100000")),
        ("100000000000000000000", "+d", Ok("+100000000000000000000")),
        ("100000000000000000000", " d", Ok(" 100000000000000000000")),
        (
            "100000000000000000000",
            ",",
            Ok("100,000,000,000,000,000,000"),
        ),
        (
            "100000000000000000000",
            "_",
            Ok("100_000_000_000_000_000_000"),
        ),
        (
            "100000000000000000000",
            "_b",
            Ok(
                "101_0110_1011_1100_0111_0101_1110_0010_1101_0110_0011_0001_0000_0000_0000_0000_0000",
            ),
        ),
        ("100000000000000000000", "_x", Ok("5_6bc7_5e2d_6310_0000")),
        (
            "100000000000000000000",
            "#_x",
            Ok("0x5_6bc7_5e2d_6310_0000"),
        ),
        (
            "100000000000000000000",
            ",x",
            Err("Cannot specify ',' with 'x'."),
        ),
        ("100000000000000000000", ">10", Ok("100000000000000000000")),
        ("100000000000000000000", "<10", Ok("100000000000000000000")),
        ("100000000000000000000", "^10", Ok("100000000000000000000")),
        ("100000000000000000000", "*^10", Ok("100000000000000000000")),
        (
            "100000000000000000000",
            "=+10",
            Ok("+100000000000000000000"),
        ),
        ("100000000000000000000", "010", Ok("100000000000000000000")),
        (
            "100000000000000000000",
            "08,",
            Ok("100,000,000,000,000,000,000"),
        ),
        (
            "100000000000000000000",
            "09,",
            Ok("100,000,000,000,000,000,000"),
        ),
        (
            "100000000000000000000",
            "012,",
            Ok("100,000,000,000,000,000,000"),
        ),
        (
            "100000000000000000000",
            "0=12,",
            Ok("100,000,000,000,000,000,000"),
        ),
        ("100000000000000000000", "#010x", Ok("0x56bc75e2d63100000")),
        (
            "100000000000000000000",
            "#012_b",
            Ok(
                "0b101_0110_1011_1100_0111_0101_1110_0010_1101_0110_0011_0001_0000_0000_0000_0000_0000",
            ),
        ),
        ("100000000000000000000", "e", Ok("1.000000e+20")),
        ("100000000000000000000", ".3e", Ok("1.000e+20")),
        (
            "100000000000000000000",
            ".2f",
            Ok("100000000000000000000.00"),
        ),
        ("100000000000000000000", "g", Ok("1e+20")),
        (
            "100000000000000000000",
            "%",
            Ok("10000000000000000000000.000000%"),
        ),
        (
            "100000000000000000000",
            ".1%",
            Ok("10000000000000000000000.0%"),
        ),
        (
            "100000000000000000000",
            "z.1f",
            Ok("100000000000000000000.0"),
        ),
        (
            "100000000000000000000",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "100000000000000000000",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "100000000000000000000",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "100000000000000000000",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        (
            "100000000000000000000",
            "05c",
            Err("Python int too large to convert to C long"),
        ),
        (
            "100000000000000000000",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "100000000000000000000",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("100000000000000000000", "中>8", Ok("100000000000000000000")),
        ("100000000000000000000", "<010", Ok("100000000000000000000")),
        ("100000000000000000000", "*<05", Ok("100000000000000000000")),
        ("100000000000000000000", "１０", Ok("100000000000000000000")),
        ("-9223372036854775808", "", Ok("-9223372036854775808")),
        ("-9223372036854775808", "d", Ok("-9223372036854775808")),
        ("-9223372036854775808", "n", Ok("-9223372036854775808")),
        (
            "-9223372036854775808",
            "b",
            Ok("-1000000000000000000000000000000000000000000000000000000000000000"),
        ),
        ("-9223372036854775808", "o", Ok("-1000000000000000000000")),
        ("-9223372036854775808", "x", Ok("-8000000000000000")),
        ("-9223372036854775808", "X", Ok("-8000000000000000")),
        (
            "-9223372036854775808",
            "c",
            Err("%c arg not in range(0x110000)"),
        ),
        ("-9223372036854775808", "#x", Ok("-0x8000000000000000")),
        (
            "-9223372036854775808",
            "#o",
            Ok("-0o1000000000000000000000"),
        ),
        (
            "-9223372036854775808",
            "#b",
            Ok("-0b1000000000000000000000000000000000000000000000000000000000000000"),
        ),
        ("-9223372036854775808", "#X", Ok("-0X8000000000000000")),
        ("-9223372036854775808", "+d", Ok("-9223372036854775808")),
        ("-9223372036854775808", " d", Ok("-9223372036854775808")),
        (
            "-9223372036854775808",
            ",",
            Ok("-9,223,372,036,854,775,808"),
        ),
        (
            "-9223372036854775808",
            "_",
            Ok("-9_223_372_036_854_775_808"),
        ),
        (
            "-9223372036854775808",
            "_b",
            Ok("-1000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000"),
        ),
        ("-9223372036854775808", "_x", Ok("-8000_0000_0000_0000")),
        ("-9223372036854775808", "#_x", Ok("-0x8000_0000_0000_0000")),
        (
            "-9223372036854775808",
            ",x",
            Err("Cannot specify ',' with 'x'."),
        ),
        ("-9223372036854775808", ">10", Ok("-9223372036854775808")),
        ("-9223372036854775808", "<10", Ok("-9223372036854775808")),
        ("-9223372036854775808", "^10", Ok("-9223372036854775808")),
        ("-9223372036854775808", "*^10", Ok("-9223372036854775808")),
        ("-9223372036854775808", "=+10", Ok("-9223372036854775808")),
        ("-9223372036854775808", "010", Ok("-9223372036854775808")),
        (
            "-9223372036854775808",
            "08,",
            Ok("-9,223,372,036,854,775,808"),
        ),
        (
            "-9223372036854775808",
            "09,",
            Ok("-9,223,372,036,854,775,808"),
        ),
        (
            "-9223372036854775808",
            "012,",
            Ok("-9,223,372,036,854,775,808"),
        ),
        (
            "-9223372036854775808",
            "0=12,",
            Ok("-9,223,372,036,854,775,808"),
        ),
        ("-9223372036854775808", "#010x", Ok("-0x8000000000000000")),
        (
            "-9223372036854775808",
            "#012_b",
            Ok(
                "-0b1000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000",
            ),
        ),
        ("-9223372036854775808", "e", Ok("-9.223372e+18")),
        ("-9223372036854775808", ".3e", Ok("-9.223e+18")),
        ("-9223372036854775808", ".2f", Ok("-9223372036854775808.00")),
        ("-9223372036854775808", "g", Ok("-9.22337e+18")),
        (
            "-9223372036854775808",
            "%",
            Ok("-922337203685477580800.000000%"),
        ),
        (
            "-9223372036854775808",
            ".1%",
            Ok("-922337203685477580800.0%"),
        ),
        ("-9223372036854775808", "z.1f", Ok("-9223372036854775808.0")),
        (
            "-9223372036854775808",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "-9223372036854775808",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "-9223372036854775808",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "-9223372036854775808",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        (
            "-9223372036854775808",
            "05c",
            Err("%c arg not in range(0x110000)"),
        ),
        (
            "-9223372036854775808",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "-9223372036854775808",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("-9223372036854775808", "中>8", Ok("-9223372036854775808")),
        ("-9223372036854775808", "<010", Ok("-9223372036854775808")),
        ("-9223372036854775808", "*<05", Ok("-9223372036854775808")),
        ("-9223372036854775808", "１０", Ok("-9223372036854775808")),
        (
            "1267650600228229401496703217721",
            "%",
            Ok("126765060022822940149670320537600.000000%"),
        ),
        (
            "1267650600228229401496703217721",
            "_x",
            Ok("10_0000_0000_0000_0000_0000_3039"),
        ),
        ("1267650600228229401496703217721", "e", Ok("1.267651e+30")),
        (
            "1267650600228229401496703217721",
            "_b",
            Ok(
                "1_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0011_0000_0011_1001",
            ),
        ),
        (
            "1267650600228229401496703217721",
            " d",
            Ok(" 1267650600228229401496703217721"),
        ),
        ("1267650600228229401496703217721", "g", Ok("1.26765e+30")),
        (
            "1267650600228229401496703217721",
            "*<05",
            Ok("1267650600228229401496703217721"),
        ),
        (
            "1267650600228229401496703217721",
            "09,",
            Ok("1,267,650,600,228,229,401,496,703,217,721"),
        ),
        (
            "1267650600228229401496703217721",
            ".2f",
            Ok("1267650600228229401496703205376.00"),
        ),
        (
            "1267650600228229401496703217721",
            "+d",
            Ok("+1267650600228229401496703217721"),
        ),
        ("65", "", Ok("65")),
        ("65", "d", Ok("65")),
        ("65", "n", Ok("65")),
        ("65", "b", Ok("1000001")),
        ("65", "o", Ok("101")),
        ("65", "x", Ok("41")),
        ("65", "X", Ok("41")),
        ("65", "c", Ok("A")),
        ("65", "#x", Ok("0x41")),
        ("65", "#o", Ok("0o101")),
        ("65", "#b", Ok("0b1000001")),
        ("65", "#X", Ok("0X41")),
        ("65", "+d", Ok("+65")),
        ("65", " d", Ok(" 65")),
        ("65", ",", Ok("65")),
        ("65", "_", Ok("65")),
        ("65", "_b", Ok("100_0001")),
        ("65", "_x", Ok("41")),
        ("65", "#_x", Ok("0x41")),
        ("65", ",x", Err("Cannot specify ',' with 'x'.")),
        ("65", ">10", Ok("        65")),
        ("65", "<10", Ok("65        ")),
        ("65", "^10", Ok("    65    ")),
        ("65", "*^10", Ok("****65****")),
        ("65", "=+10", Ok("+       65")),
        ("65", "010", Ok("0000000065")),
        ("65", "08,", Ok("0,000,065")),
        ("65", "09,", Ok("0,000,065")),
        ("65", "012,", Ok("0,000,000,065")),
        ("65", "0=12,", Ok("0,000,000,065")),
        ("65", "#010x", Ok("0x00000041")),
        ("65", "#012_b", Ok("0b0_0100_0001")),
        ("65", "e", Ok("6.500000e+01")),
        ("65", ".3e", Ok("6.500e+01")),
        ("65", ".2f", Ok("65.00")),
        ("65", "g", Ok("65")),
        ("65", "%", Ok("6500.000000%")),
        ("65", ".1%", Ok("6500.0%")),
        ("65", "z.1f", Ok("65.0")),
        (
            "65",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "65",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "65",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "65",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("65", "05c", Ok("0000A")),
        (
            "65",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "65",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("65", "中>8", Ok("中中中中中中65")),
        ("65", "<010", Ok("6500000000")),
        ("65", "*<05", Ok("65***")),
        ("65", "１０", Ok("        65")),
        ("20013", "", Ok("20013")),
        ("20013", "d", Ok("20013")),
        ("20013", "n", Ok("20013")),
        ("20013", "b", Ok("100111000101101")),
        ("20013", "o", Ok("47055")),
        ("20013", "x", Ok("4e2d")),
        ("20013", "X", Ok("4E2D")),
        ("20013", "c", Ok("中")),
        ("20013", "#x", Ok("0x4e2d")),
        ("20013", "#o", Ok("0o47055")),
        ("20013", "#b", Ok("0b100111000101101")),
        ("20013", "#X", Ok("0X4E2D")),
        ("20013", "+d", Ok("+20013")),
        ("20013", " d", Ok(" 20013")),
        ("20013", ",", Ok("20,013")),
        ("20013", "_", Ok("20_013")),
        ("20013", "_b", Ok("100_1110_0010_1101")),
        ("20013", "_x", Ok("4e2d")),
        ("20013", "#_x", Ok("0x4e2d")),
        ("20013", ",x", Err("Cannot specify ',' with 'x'.")),
        ("20013", ">10", Ok("     20013")),
        ("20013", "<10", Ok("20013     ")),
        ("20013", "^10", Ok("  20013   ")),
        ("20013", "*^10", Ok("**20013***")),
        ("20013", "=+10", Ok("+    20013")),
        ("20013", "010", Ok("0000020013")),
        ("20013", "08,", Ok("0,020,013")),
        ("20013", "09,", Ok("0,020,013")),
        ("20013", "012,", Ok("0,000,020,013")),
        ("20013", "0=12,", Ok("0,000,020,013")),
        ("20013", "#010x", Ok("0x00004e2d")),
        ("20013", "#012_b", Ok("0b100_1110_0010_1101")),
        ("20013", "e", Ok("2.001300e+04")),
        ("20013", ".3e", Ok("2.001e+04")),
        ("20013", ".2f", Ok("20013.00")),
        ("20013", "g", Ok("20013")),
        ("20013", "%", Ok("2001300.000000%")),
        ("20013", ".1%", Ok("2001300.0%")),
        ("20013", "z.1f", Ok("20013.0")),
        (
            "20013",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "20013",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "20013",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "20013",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("20013", "05c", Ok("0000中")),
        (
            "20013",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "20013",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("20013", "中>8", Ok("中中中20013")),
        ("20013", "<010", Ok("2001300000")),
        ("20013", "*<05", Ok("20013")),
        ("20013", "１０", Ok("     20013")),
        ("1114111", "", Ok("1114111")),
        ("1114111", "d", Ok("1114111")),
        ("1114111", "n", Ok("1114111")),
        ("1114111", "b", Ok("100001111111111111111")),
        ("1114111", "o", Ok("4177777")),
        ("1114111", "x", Ok("10ffff")),
        ("1114111", "X", Ok("10FFFF")),
        ("1114111", "c", Ok("􏿿")),
        ("1114111", "#x", Ok("0x10ffff")),
        ("1114111", "#o", Ok("0o4177777")),
        ("1114111", "#b", Ok("0b100001111111111111111")),
        ("1114111", "#X", Ok("0X10FFFF")),
        ("1114111", "+d", Ok("+1114111")),
        ("1114111", " d", Ok(" 1114111")),
        ("1114111", ",", Ok("1,114,111")),
        ("1114111", "_", Ok("1_114_111")),
        ("1114111", "_b", Ok("1_0000_1111_1111_1111_1111")),
        ("1114111", "_x", Ok("10_ffff")),
        ("1114111", "#_x", Ok("0x10_ffff")),
        ("1114111", ",x", Err("Cannot specify ',' with 'x'.")),
        ("1114111", ">10", Ok("   1114111")),
        ("1114111", "<10", Ok("1114111   ")),
        ("1114111", "^10", Ok(" 1114111  ")),
        ("1114111", "*^10", Ok("*1114111**")),
        ("1114111", "=+10", Ok("+  1114111")),
        ("1114111", "010", Ok("0001114111")),
        ("1114111", "08,", Ok("1,114,111")),
        ("1114111", "09,", Ok("1,114,111")),
        ("1114111", "012,", Ok("0,001,114,111")),
        ("1114111", "0=12,", Ok("0,001,114,111")),
        ("1114111", "#010x", Ok("0x0010ffff")),
        ("1114111", "#012_b", Ok("0b1_0000_1111_1111_1111_1111")),
        ("1114111", "e", Ok("1.114111e+06")),
        ("1114111", ".3e", Ok("1.114e+06")),
        ("1114111", ".2f", Ok("1114111.00")),
        ("1114111", "g", Ok("1.11411e+06")),
        ("1114111", "%", Ok("111411100.000000%")),
        ("1114111", ".1%", Ok("111411100.0%")),
        ("1114111", "z.1f", Ok("1114111.0")),
        (
            "1114111",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "1114111",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "1114111",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "1114111",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("1114111", "05c", Ok("0000􏿿")),
        (
            "1114111",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "1114111",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("1114111", "中>8", Ok("中1114111")),
        ("1114111", "<010", Ok("1114111000")),
        ("1114111", "*<05", Ok("1114111")),
        ("1114111", "１０", Ok("   1114111")),
        ("1114112", "", Ok("1114112")),
        ("1114112", "d", Ok("1114112")),
        ("1114112", "n", Ok("1114112")),
        ("1114112", "b", Ok("100010000000000000000")),
        ("1114112", "o", Ok("4200000")),
        ("1114112", "x", Ok("110000")),
        ("1114112", "X", Ok("110000")),
        ("1114112", "c", Err("%c arg not in range(0x110000)")),
        ("1114112", "#x", Ok("0x110000")),
        ("1114112", "#o", Ok("0o4200000")),
        ("1114112", "#b", Ok("0b100010000000000000000")),
        ("1114112", "#X", Ok("0X110000")),
        ("1114112", "+d", Ok("+1114112")),
        ("1114112", " d", Ok(" 1114112")),
        ("1114112", ",", Ok("1,114,112")),
        ("1114112", "_", Ok("1_114_112")),
        ("1114112", "_b", Ok("1_0001_0000_0000_0000_0000")),
        ("1114112", "_x", Ok("11_0000")),
        ("1114112", "#_x", Ok("0x11_0000")),
        ("1114112", ",x", Err("Cannot specify ',' with 'x'.")),
        ("1114112", ">10", Ok("   1114112")),
        ("1114112", "<10", Ok("1114112   ")),
        ("1114112", "^10", Ok(" 1114112  ")),
        ("1114112", "*^10", Ok("*1114112**")),
        ("1114112", "=+10", Ok("+  1114112")),
        ("1114112", "010", Ok("0001114112")),
        ("1114112", "08,", Ok("1,114,112")),
        ("1114112", "09,", Ok("1,114,112")),
        ("1114112", "012,", Ok("0,001,114,112")),
        ("1114112", "0=12,", Ok("0,001,114,112")),
        ("1114112", "#010x", Ok("0x00110000")),
        ("1114112", "#012_b", Ok("0b1_0001_0000_0000_0000_0000")),
        ("1114112", "e", Ok("1.114112e+06")),
        ("1114112", ".3e", Ok("1.114e+06")),
        ("1114112", ".2f", Ok("1114112.00")),
        ("1114112", "g", Ok("1.11411e+06")),
        ("1114112", "%", Ok("111411200.000000%")),
        ("1114112", ".1%", Ok("111411200.0%")),
        ("1114112", "z.1f", Ok("1114112.0")),
        (
            "1114112",
            ".2",
            Err("Precision not allowed in integer format specifier"),
        ),
        (
            "1114112",
            "z",
            Err("Negative zero coercion (z) not allowed in integer format specifier"),
        ),
        (
            "1114112",
            "+c",
            Err("Sign not allowed with integer format specifier 'c'"),
        ),
        (
            "1114112",
            "#c",
            Err("Alternate form (#) not allowed with integer format specifier 'c'"),
        ),
        ("1114112", "05c", Err("%c arg not in range(0x110000)")),
        (
            "1114112",
            "s",
            Err("Unknown format code 's' for object of type 'int'"),
        ),
        (
            "1114112",
            "q",
            Err("Unknown format code 'q' for object of type 'int'"),
        ),
        ("1114112", "中>8", Ok("中1114112")),
        ("1114112", "<010", Ok("1114112000")),
        ("1114112", "*<05", Ok("1114112")),
        ("1114112", "１０", Ok("   1114112")),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "g",
            Err("int too large to convert to float"),
        ),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "05c",
            Err("Python int too large to convert to C long"),
        ),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "#_x",
            Ok(
                "0x1_b4ec_7f91_973f_f3cb_1ccf_26fb_c177_c38d_b6e5_4582_de25_8ff5_190b_8bc1_50af_adb3_8030_e5d0_b7bf_5012_0e5c_0e6a_d18e_6298_53ce_9946_a0b2_eccf_6cfd_e0af_8634_bf8d_c5a4_27fe_4236_ce59_59ba_a0e7_76cd_b47c_4813_e1e0_c75c_a271_e1d0_59e0_8e49_96aa_4193_a48a_d3a2_4633_ebdb_32e9_f0b8_2437_7e2f_a9c1_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000",
            ),
        ),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "#X",
            Ok(
                "0X1B4EC7F91973FF3CB1CCF26FBC177C38DB6E54582DE258FF5190B8BC150AFADB38030E5D0B7BF50120E5C0E6AD18E629853CE9946A0B2ECCF6CFDE0AF8634BF8DC5A427FE4236CE5959BAA0E776CDB47C4813E1E0C75CA271E1D059E08E4996AA4193A48AD3A24633EBDB32E9F0B824377E2FA9C10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            ),
        ),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "<010",
            Ok(
                "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            ),
        ),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "*^10",
            Ok(
                "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            ),
        ),
        (
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "e",
            Err("int too large to convert to float"),
        ),
    ];
    const STR_CASES: &[(&str, &str, Result<&str, &str>)] = &[
        ("", "", Ok("")),
        ("", "s", Ok("")),
        ("", "10", Ok("          ")),
        ("", "<10", Ok("          ")),
        ("", ">10", Ok("          ")),
        ("", "^10", Ok("          ")),
        ("", "^11", Ok("           ")),
        ("", "*^9", Ok("*********")),
        ("", "中^8", Ok("中中中中中中中中")),
        ("", ".2", Ok("")),
        ("", "10.3", Ok("          ")),
        ("", "010", Ok("0000000000")),
        (
            "",
            "=10",
            Err("'=' alignment not allowed in string format specifier"),
        ),
        ("", "+", Err("Sign not allowed in string format specifier")),
        ("", " ", Err("Space not allowed in string format specifier")),
        (
            "",
            "z",
            Err("Negative zero coercion (z) not allowed in string format specifier"),
        ),
        (
            "",
            "#",
            Err("Alternate form (#) not allowed in string format specifier"),
        ),
        ("", ",", Err("Cannot specify ',' with 's'.")),
        (
            "",
            "d",
            Err("Unknown format code 'd' for object of type 'str'"),
        ),
        ("", ".0", Ok("")),
        ("", "0>6", Ok("000000")),
        ("", "s<", Ok("")),
        (
            "",
            "abc",
            Err("Invalid format specifier 'abc' for object of type 'str'"),
        ),
        ("abc", "", Ok("abc")),
        ("abc", "s", Ok("abc")),
        ("abc", "10", Ok("abc       ")),
        ("abc", "<10", Ok("abc       ")),
        ("abc", ">10", Ok("       abc")),
        ("abc", "^10", Ok("   abc    ")),
        ("abc", "^11", Ok("    abc    ")),
        ("abc", "*^9", Ok("***abc***")),
        ("abc", "中^8", Ok("中中abc中中中")),
        ("abc", ".2", Ok("ab")),
        ("abc", "10.3", Ok("abc       ")),
        ("abc", "010", Ok("abc0000000")),
        (
            "abc",
            "=10",
            Err("'=' alignment not allowed in string format specifier"),
        ),
        (
            "abc",
            "+",
            Err("Sign not allowed in string format specifier"),
        ),
        (
            "abc",
            " ",
            Err("Space not allowed in string format specifier"),
        ),
        (
            "abc",
            "z",
            Err("Negative zero coercion (z) not allowed in string format specifier"),
        ),
        (
            "abc",
            "#",
            Err("Alternate form (#) not allowed in string format specifier"),
        ),
        ("abc", ",", Err("Cannot specify ',' with 's'.")),
        (
            "abc",
            "d",
            Err("Unknown format code 'd' for object of type 'str'"),
        ),
        ("abc", ".0", Ok("")),
        ("abc", "0>6", Ok("000abc")),
        ("abc", "s<", Ok("abc")),
        (
            "abc",
            "abc",
            Err("Invalid format specifier 'abc' for object of type 'str'"),
        ),
        ("中文字符", "", Ok("中文字符")),
        ("中文字符", "s", Ok("中文字符")),
        ("中文字符", "10", Ok("中文字符      ")),
        ("中文字符", "<10", Ok("中文字符      ")),
        ("中文字符", ">10", Ok("      中文字符")),
        ("中文字符", "^10", Ok("   中文字符   ")),
        ("中文字符", "^11", Ok("   中文字符    ")),
        ("中文字符", "*^9", Ok("**中文字符***")),
        ("中文字符", "中^8", Ok("中中中文字符中中")),
        ("中文字符", ".2", Ok("中文")),
        ("中文字符", "10.3", Ok("中文字       ")),
        ("中文字符", "010", Ok("中文字符000000")),
        (
            "中文字符",
            "=10",
            Err("'=' alignment not allowed in string format specifier"),
        ),
        (
            "中文字符",
            "+",
            Err("Sign not allowed in string format specifier"),
        ),
        (
            "中文字符",
            " ",
            Err("Space not allowed in string format specifier"),
        ),
        (
            "中文字符",
            "z",
            Err("Negative zero coercion (z) not allowed in string format specifier"),
        ),
        (
            "中文字符",
            "#",
            Err("Alternate form (#) not allowed in string format specifier"),
        ),
        ("中文字符", ",", Err("Cannot specify ',' with 's'.")),
        (
            "中文字符",
            "d",
            Err("Unknown format code 'd' for object of type 'str'"),
        ),
        ("中文字符", ".0", Ok("")),
        ("中文字符", "0>6", Ok("00中文字符")),
        ("中文字符", "s<", Ok("中文字符")),
        (
            "中文字符",
            "abc",
            Err("Invalid format specifier 'abc' for object of type 'str'"),
        ),
        ("naïve", "", Ok("naïve")),
        ("naïve", "s", Ok("naïve")),
        ("naïve", "10", Ok("naïve     ")),
        ("naïve", "<10", Ok("naïve     ")),
        ("naïve", ">10", Ok("     naïve")),
        ("naïve", "^10", Ok("  naïve   ")),
        ("naïve", "^11", Ok("   naïve   ")),
        ("naïve", "*^9", Ok("**naïve**")),
        ("naïve", "中^8", Ok("中naïve中中")),
        ("naïve", ".2", Ok("na")),
        ("naïve", "10.3", Ok("naï       ")),
        ("naïve", "010", Ok("naïve00000")),
        (
            "naïve",
            "=10",
            Err("'=' alignment not allowed in string format specifier"),
        ),
        (
            "naïve",
            "+",
            Err("Sign not allowed in string format specifier"),
        ),
        (
            "naïve",
            " ",
            Err("Space not allowed in string format specifier"),
        ),
        (
            "naïve",
            "z",
            Err("Negative zero coercion (z) not allowed in string format specifier"),
        ),
        (
            "naïve",
            "#",
            Err("Alternate form (#) not allowed in string format specifier"),
        ),
        ("naïve", ",", Err("Cannot specify ',' with 's'.")),
        (
            "naïve",
            "d",
            Err("Unknown format code 'd' for object of type 'str'"),
        ),
        ("naïve", ".0", Ok("")),
        ("naïve", "0>6", Ok("0naïve")),
        ("naïve", "s<", Ok("naïve")),
        (
            "naïve",
            "abc",
            Err("Invalid format specifier 'abc' for object of type 'str'"),
        ),
    ];
    const REPR_CASES: &[(u64, &str)] = &[
        (0x0000000000000000, "0.0"),
        (0x8000000000000000, "-0.0"),
        (0x3fb999999999999a, "0.1"),
        (0x3fd3333333333334, "0.30000000000000004"),
        (0x3fd5555555555555, "0.3333333333333333"),
        (0x4341c37937e08000, "1e+16"),
        (0x430c6bf526340000, "1000000000000000.0"),
        (0x4341c37937e07fff, "9999999999999998.0"),
        (0x3f1a36e2eb1c432d, "0.0001"),
        (0x3ee4f8b588e368f1, "1e-05"),
        (0x3e8421f5f40d8376, "1.5e-07"),
        (0x42dc12218377de40, "123456789012345.0"),
        (0x4480f0cf064dd592, "1e+22"),
        (0x0000000000000001, "5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0x0010000000000000, "2.2250738585072014e-308"),
        (0x7ff0000000000000, "inf"),
        (0xfff0000000000000, "-inf"),
        (0x7ff8000000000000, "nan"),
        (0x430a0ee6f0253962, "916841803589420.2"),
        (0x42a16254389e8e20, "9557008731975.062"),
        (0x4059000000000000, "100.0"),
        (0x54b249ad2594c37d, "1e+100"),
        (0xc004000000000000, "-2.5"),
        (0x4340000000000000, "9007199254740992.0"),
        (0x43e0000000000000, "9.223372036854776e+18"),
        (0x3ff199999999999a, "1.1"),
        (0x400921f9f01b866e, "3.14159"),
        (0x3826c8ddb56d762a, "3.347900923059485e-38"),
        (0x2af26f2e15058b6e, "8.230534739133213e-102"),
        (0x1d9a74cc7ad02114, "4.486530327138854e-166"),
        (0x0d75b66ef1beb7d4, "7.949795555679355e-244"),
        (0x2025ccb086d3ad85, "8.129430514327114e-154"),
        (0x2ff650eaacbae925, "1.2045339733022048e-77"),
        (0x0ee1af20d8585499, "5.431455911481125e-237"),
        (0x28cdfcd5ab8e6862, "3.896671966765778e-112"),
        (0x140e47e1a9986fef, "4.497386636748812e-212"),
        (0x20d23b7aa7e089f6, "1.3924659865324662e-150"),
        (0x135f0d22a25f4af2, "2.2518685548537089e-215"),
        (0x12c62cf67cfd309e, "3.141009419398118e-218"),
        (0x039363d294465465, "1.9430344041989742e-291"),
        (0x0d81b5b7ad44a9dc, "1.2968448011925466e-243"),
        (0x2e8d44b0ac4a262d, "1.883254586851209e-84"),
        (0x1e5669b58a2cbf35, "1.5568290029434948e-162"),
        (0x0fbff0a7b65e3ef3, "8.036354386484325e-233"),
        (0x29804e384f12dce9, "8.678545380092723e-109"),
        (0x141519a2ff92ab8e, "6.267703856089657e-212"),
        (0x15101a394029f76e, "3.134689834991132e-207"),
        (0x08f6a3050a0320a1, "1.7550875407524971e-265"),
        (0x2248dfc69f5c5d48, "1.593602052693214e-143"),
        (0x2284d5a3caf38e12, "2.1356780220985894e-142"),
        (0x16233e4b42d3f213, "4.910133256943092e-202"),
        (0x09a89c6858638348, "3.9078912240593395e-262"),
        (0x165f97b50d9ef7b9, "6.448940380752624e-201"),
        (0x27bd5a0903e5ef3f, "2.9098792024334994e-117"),
        (0x300a622750e7b15d, "2.8481449584411305e-77"),
        (0x0c87a84d50ad6fee, "2.6433894037682898e-248"),
        (0x3bda4a812ff43f9d, "2.2269371796912806e-20"),
        (0x33a09ab44890ba33, "5.166444800589498e-60"),
        (0x21f845a4743cc0c7, "4.859464221027933e-145"),
        (0x3efddc0c0cd2daa1, "2.8476294393365635e-05"),
        (0x0661297a28dafbe6, "6.050934071719653e-278"),
        (0x1eef9874c932ed87, "1.1236679235861823e-159"),
        (0x10dba3cba37578b2, "1.8230500496000516e-227"),
        (0x0370bb6264b01d92, "4.191710637585612e-292"),
        (0x0ccd632d69943858, "5.253816566215898e-247"),
        (0x088573b1ae315635, "1.2993921336869133e-267"),
        (0x174044c1226380c8, "1.0881838438684246e-196"),
    ];
    const ROUND_CASES: &[(u64, i32, u64)] = &[
        (0x4005666666666666, 2, 0x40055c28f5c28f5c),
        (0x3fe0000000000000, 0, 0x0000000000000000),
        (0x3ff8000000000000, 0, 0x4000000000000000),
        (0x4004000000000000, 0, 0x4000000000000000),
        (0xbfe0000000000000, 0, 0x8000000000000000),
        (0x3ff0147ae147ae14, 2, 0x3ff0000000000000),
        (0x3fc0000000000000, 2, 0x3fbeb851eb851eb8),
        (0x3fd8000000000000, 2, 0x3fd851eb851eb852),
        (0x4014000000000000, -1, 0x0000000000000000),
        (0x402e000000000000, -1, 0x4034000000000000),
        (0x4039000000000000, -1, 0x4034000000000000),
        (0xc010000000000000, -1, 0x8000000000000000),
        (0xbf50624dd2f1a9fc, 2, 0x8000000000000000),
        (0x40fe240c9fbe76c9, -3, 0x40fe078000000000),
        (0x7e37e43c8800759c, -299, 0x7e37e43c8800759c),
        (0x7feab36d48e1acf0, -307, 0x7feab36d48e1acf0),
        (0x3fb999999999999a, 20, 0x3fb999999999999a),
        (0x00000000000007e8, 323, 0x00000000000007e8),
        (0x00000000000007e8, 400, 0x00000000000007e8),
        (0x405ec00000000000, -400, 0x0000000000000000),
        (0xc05ec00000000000, -400, 0x8000000000000000),
        (0x7ff0000000000000, 2, 0x7ff0000000000000),
        (0xfff0000000000000, -2, 0xfff0000000000000),
        (0x3fd5555555555555, 5, 0x3fd555475a31a4be),
        (0x3fe5555555555555, 10, 0x3fe555555559ea25),
        (0x40934a0000000000, -1, 0x4093380000000000),
        (0x4093880000000000, -2, 0x4092c00000000000),
        (0x4095180000000000, -2, 0x4095e00000000000),
        (0x3fd23d70a3d70a3d, 2, 0x3fd1eb851eb851ec),
        (0x3ff7333333333333, 1, 0x3ff6666666666666),
        (0xc004000000000000, 0, 0xc000000000000000),
        (0x4011666666666666, 1, 0x4011333333333333),
        (0x0000000000000001, 323, 0x0000000000000000),
        (0x4480f0cf064dd592, -21, 0x4480f0cf064dd592),
        (0x4480f0cf064dd592, -22, 0x4480f0cf064dd592),
        (0x4480f0cf064dd592, -23, 0x0000000000000000),
    ];
    const PARSE_FLOAT_CASES: &[(&str, Option<u64>)] = &[
        ("1", Some(0x3ff0000000000000)),
        ("1.5", Some(0x3ff8000000000000)),
        (" 1.5 ", Some(0x3ff8000000000000)),
        ("\u{9}-2.5e3\u{a}", Some(0xc0a3880000000000)),
        ("+.5", Some(0x3fe0000000000000)),
        ("5.", Some(0x4014000000000000)),
        (".", None),
        ("", None),
        (" ", None),
        ("e5", None),
        ("1e", None),
        ("1e+5", Some(0x40f86a0000000000)),
        ("1E-5", Some(0x3ee4f8b588e368f1)),
        ("inf", Some(0x7ff0000000000000)),
        ("-inf", Some(0xfff0000000000000)),
        ("+INF", Some(0x7ff0000000000000)),
        ("Infinity", Some(0x7ff0000000000000)),
        ("-iNfInItY", Some(0xfff0000000000000)),
        ("infin", None),
        ("nan", Some(0x7ff8000000000000)),
        ("-NaN", Some(0xfff8000000000000)),
        ("nan1", None),
        ("1_000", Some(0x408f400000000000)),
        ("1__000", None),
        ("_1", None),
        ("1_", None),
        ("1_.5", None),
        ("1._5", None),
        ("1.5_5", Some(0x3ff8cccccccccccd)),
        ("1e1_0", Some(0x4202a05f20000000)),
        ("1_e5", None),
        ("0x10", None),
        ("1,5", None),
        ("１２.５", Some(0x4029000000000000)),
        ("\u{3000} 3.25\u{2009}", Some(0x400a000000000000)),
        ("1e400", Some(0x7ff0000000000000)),
        ("1e-400", Some(0x0000000000000000)),
        ("2.2250738585072014e-308", Some(0x0010000000000000)),
        ("4.9e-324", Some(0x0000000000000001)),
        ("00012", Some(0x4028000000000000)),
        ("1 2", None),
        ("- 1", None),
        ("++1", None),
        ("١٢٣", Some(0x405ec00000000000)),
        ("\u{1c}1", None),
        ("\u{200b}1", None),
        ("0.1", Some(0x3fb999999999999a)),
        ("123456789012345678901234567890", Some(0x45f8ee90ff6c373e)),
    ];
    const PARSE_INT_CASES: &[(&str, u32, Option<&str>)] = &[
        ("0", 0, Some("0")),
        ("00", 0, Some("0")),
        ("0_0", 0, Some("0")),
        ("010", 0, None),
        ("010", 10, Some("10")),
        ("0_7", 0, None),
        ("-0", 0, Some("0")),
        (" 12 ", 10, Some("12")),
        ("1_000", 10, Some("1000")),
        ("1__0", 10, None),
        ("_1", 10, None),
        ("1_", 10, None),
        ("0x1f", 0, Some("31")),
        ("0X1F", 16, Some("31")),
        ("0x1f", 10, None),
        ("0o17", 0, Some("15")),
        ("0o17", 8, Some("15")),
        ("0b101", 0, Some("5")),
        ("0b101", 2, Some("5")),
        ("0b101", 16, Some("45313")),
        ("0b", 0, None),
        ("0x", 16, None),
        ("0x_1f", 0, Some("31")),
        ("0x__1f", 0, None),
        ("12a", 10, None),
        ("12a", 16, Some("298")),
        ("z", 36, Some("35")),
        ("Z", 36, Some("35")),
        ("z", 35, None),
        ("- 1", 10, None),
        (" -1 ", 10, Some("-1")),
        ("１２", 10, Some("12")),
        ("٣", 10, Some("3")),
        ("\u{3000}1\u{3000}", 10, Some("1")),
        ("1.0", 10, None),
        ("", 10, None),
        (" ", 10, None),
        ("+", 10, None),
        (
            "9999999999999999999999999999999999999999",
            10,
            Some("9999999999999999999999999999999999999999"),
        ),
        (
            "-777777777777777777777777777777",
            8,
            Some("-1237940039285380274899124223"),
        ),
        ("abc", 0, None),
        ("10", 1, None),
        ("10", 37, None),
        ("10", 3, Some("3")),
        ("0b1_0", 0, Some("2")),
        ("\u{1c}1", 10, None),
        ("+0o0", 0, Some("0")),
        ("-0x_a", 0, Some("-10")),
    ];
    /// (value, flags, width, precision, conversion, expected)
    type PercentCase<V> = (
        V,
        &'static str,
        Option<usize>,
        Option<usize>,
        char,
        &'static str,
    );

    const PERCENT_FLOAT_CASES: &[PercentCase<u64>] = &[
        (0x0000000000000000, "", None, None, 'f', "0.000000"),
        (0x0000000000000000, "#", None, Some(0), 'e', "0.e+00"),
        (0x0000000000000000, "#", None, None, 'g', "0.00000"),
        (0x0000000000000000, "", None, Some(0), 'e', "0e+00"),
        (0x0000000000000000, "", None, None, 'e', "0.000000e+00"),
        (0x0000000000000000, "+", None, None, 'f', "+0.000000"),
        (0x0000000000000000, "", None, None, 'G', "0"),
        (
            0x0000000000000000,
            " 0",
            Some(10),
            Some(1),
            'f',
            " 0000000.0",
        ),
        (
            0x0000000000000000,
            "0",
            Some(10),
            Some(3),
            'f',
            "000000.000",
        ),
        (0x0000000000000000, "", None, None, 'd', "0"),
        (
            0x8000000000000000,
            " 0",
            Some(10),
            Some(1),
            'f',
            "-0000000.0",
        ),
        (
            0x8000000000000000,
            "-+",
            Some(10),
            Some(4),
            'g',
            "-0        ",
        ),
        (0x8000000000000000, "", None, None, 'F', "-0.000000"),
        (0x8000000000000000, "", None, Some(0), 'e', "-0e+00"),
        (0x8000000000000000, "#", None, Some(0), 'e', "-0.e+00"),
        (
            0x8000000000000000,
            "-0",
            Some(10),
            Some(3),
            'f',
            "-0.000    ",
        ),
        (0x8000000000000000, " ", None, None, 'f', "-0.000000"),
        (0x8000000000000000, "+", None, None, 'f', "-0.000000"),
        (0x8000000000000000, "", None, Some(3), 'E', "-0.000E+00"),
        (0x8000000000000000, "", None, None, 'G', "-0"),
        (0x3ff8000000000000, "", None, Some(0), 'e', "2e+00"),
        (0x3ff8000000000000, "+0", Some(9), Some(2), 'e', "+1.50e+00"),
        (0x3ff8000000000000, "#", None, Some(0), 'f', "2."),
        (
            0x3ff8000000000000,
            " 0",
            Some(10),
            Some(1),
            'f',
            " 0000001.5",
        ),
        (0x3ff8000000000000, "#", None, Some(0), 'e', "2.e+00"),
        (0x3ff8000000000000, "", None, None, 'e', "1.500000e+00"),
        (0x3ff8000000000000, "", Some(5), Some(2), 'f', " 1.50"),
        (0x3ff8000000000000, "", Some(10), None, 'g', "       1.5"),
        (0x3ff8000000000000, "", None, None, 'd', "1"),
        (0x3ff8000000000000, "", None, None, 'G', "1.5"),
        (
            0xc005666666666666,
            "",
            None,
            Some(17),
            'g',
            "-2.6749999999999998",
        ),
        (0xc005666666666666, "", None, None, 'F', "-2.675000"),
        (0xc005666666666666, "-", Some(8), Some(3), 'f', "-2.675  "),
        (0xc005666666666666, "", None, Some(3), 'E', "-2.675E+00"),
        (0xc005666666666666, "+", None, None, 'f', "-2.675000"),
        (0xc005666666666666, "#", None, None, 'g', "-2.67500"),
        (0xc005666666666666, "0", Some(5), None, 'F', "-2.675000"),
        (0xc005666666666666, "", None, None, 'd', "-2"),
        (
            0xc005666666666666,
            "0",
            Some(10),
            Some(3),
            'f',
            "-00002.675",
        ),
        (0xc005666666666666, "#", None, Some(0), 'f', "-3."),
        (0x4415af1d78b58c40, "+0", Some(9), Some(2), 'e', "+1.00e+20"),
        (
            0x4415af1d78b58c40,
            "-+",
            Some(10),
            Some(4),
            'g',
            "+1e+20    ",
        ),
        (0x4415af1d78b58c40, "", Some(10), None, 'g', "     1e+20"),
        (
            0x4415af1d78b58c40,
            "",
            None,
            None,
            'd',
            "100000000000000000000",
        ),
        (0x4415af1d78b58c40, "", None, Some(3), 'E', "1.000E+20"),
        (0x4415af1d78b58c40, "", None, Some(0), 'e', "1e+20"),
        (
            0x4415af1d78b58c40,
            "#",
            None,
            Some(0),
            'f',
            "100000000000000000000.",
        ),
        (0x4415af1d78b58c40, "", None, Some(17), 'g', "1e+20"),
        (0x4415af1d78b58c40, "#", None, Some(0), 'e', "1.e+20"),
        (
            0x4415af1d78b58c40,
            "",
            Some(5),
            Some(2),
            'f',
            "100000000000000000000.00",
        ),
        (0x3f202c9dedbc309d, "", None, None, 'f', "0.000123"),
        (0x3f202c9dedbc309d, "", None, None, 'e', "1.234000e-04"),
        (0x3f202c9dedbc309d, "", None, None, 'F', "0.000123"),
        (0x3f202c9dedbc309d, "", None, Some(0), 'e', "1e-04"),
        (
            0x3f202c9dedbc309d,
            "0",
            Some(10),
            Some(3),
            'f',
            "000000.000",
        ),
        (0x3f202c9dedbc309d, " ", None, None, 'f', " 0.000123"),
        (
            0x3f202c9dedbc309d,
            "-0",
            Some(10),
            Some(3),
            'f',
            "0.000     ",
        ),
        (0x3f202c9dedbc309d, "", None, None, 'd', "0"),
        (0x3f202c9dedbc309d, "#", None, Some(0), 'f', "0."),
        (0x3f202c9dedbc309d, "+0", Some(9), Some(2), 'e', "+1.23e-04"),
        (0x7ff0000000000000, "", None, Some(3), 'E', "INF"),
        (0x7ff0000000000000, "", Some(5), Some(2), 'f', "  inf"),
        (0x7ff0000000000000, "+", None, None, 'f', "+inf"),
        (0x7ff0000000000000, "", None, None, 'G', "INF"),
        (
            0x7ff0000000000000,
            "0",
            Some(10),
            Some(3),
            'f',
            "0000000inf",
        ),
        (0x7ff0000000000000, "", None, None, 'e', "inf"),
        (0x7ff0000000000000, "0", Some(5), None, 'F', "00INF"),
        (0x7ff0000000000000, "#", None, Some(0), 'f', "inf"),
        (
            0x7ff0000000000000,
            " 0",
            Some(10),
            Some(1),
            'f',
            " 000000inf",
        ),
        (0xfff0000000000000, " ", None, None, 'f', "-inf"),
        (0xfff0000000000000, "", Some(5), Some(2), 'f', " -inf"),
        (0xfff0000000000000, "", None, Some(3), 'E', "-INF"),
        (0xfff0000000000000, "#", None, None, 'g', "-inf"),
        (0xfff0000000000000, "-", Some(8), Some(3), 'f', "-inf    "),
        (0xfff0000000000000, "", None, None, 'F', "-INF"),
        (
            0xfff0000000000000,
            "-+",
            Some(10),
            Some(4),
            'g',
            "-inf      ",
        ),
        (
            0xfff0000000000000,
            "0",
            Some(10),
            Some(3),
            'f',
            "-000000inf",
        ),
        (
            0xfff0000000000000,
            " 0",
            Some(10),
            Some(1),
            'f',
            "-000000inf",
        ),
        (0xfff0000000000000, "+0", Some(9), Some(2), 'e', "-00000inf"),
        (0x7ff8000000000000, "", None, Some(3), 'E', "NAN"),
        (0x7ff8000000000000, "", None, None, 'f', "nan"),
        (0x7ff8000000000000, "", Some(10), None, 'g', "       nan"),
        (0x7ff8000000000000, "", None, None, 'F', "NAN"),
        (0x7ff8000000000000, "0", Some(5), None, 'F', "00NAN"),
        (0x7ff8000000000000, "", None, Some(0), 'e', "nan"),
        (0x7ff8000000000000, "#", None, Some(0), 'e', "nan"),
        (0x7ff8000000000000, "", None, None, 'e', "nan"),
        (0x7ff8000000000000, "#", None, Some(0), 'f', "nan"),
        (
            0x7ff8000000000000,
            " 0",
            Some(10),
            Some(1),
            'f',
            " 000000nan",
        ),
        (
            0x40fe240c9fbe76c9,
            " 0",
            Some(10),
            Some(1),
            'f',
            " 0123456.8",
        ),
        (0x40fe240c9fbe76c9, " ", None, None, 'f', " 123456.789000"),
        (0x40fe240c9fbe76c9, "#", None, None, 'g', "123457."),
        (0x40fe240c9fbe76c9, "", None, Some(3), 'E', "1.235E+05"),
        (0x40fe240c9fbe76c9, "0", Some(5), None, 'F', "123456.789000"),
        (0x40fe240c9fbe76c9, "", None, None, 'f', "123456.789000"),
        (0x40fe240c9fbe76c9, "#", None, Some(0), 'e', "1.e+05"),
        (0x40fe240c9fbe76c9, "", None, None, 'e', "1.234568e+05"),
        (
            0x40fe240c9fbe76c9,
            "0",
            Some(10),
            Some(3),
            'f',
            "123456.789",
        ),
        (0x40fe240c9fbe76c9, "+0", Some(9), Some(2), 'e', "+1.23e+05"),
    ];
    const PERCENT_INT_CASES: &[PercentCase<&str>] = &[
        ("0", "0", Some(5), None, 'd', "00000"),
        ("0", "", Some(8), Some(5), 'd', "   00000"),
        ("0", "#", None, None, 'x', "0x0"),
        ("0", "-", Some(8), Some(5), 'd', "00000   "),
        ("0", "-", Some(5), None, 'd', "0    "),
        ("0", "#-", Some(8), None, 'x', "0x0     "),
        ("0", " #", None, None, 'o', " 0o0"),
        ("0", "0", Some(10), Some(5), 'd', "0000000000"),
        ("0", "#", None, None, 'X', "0X0"),
        ("0", "", None, None, 'g', "0"),
        ("0", "#", Some(10), Some(4), 'X', "    0X0000"),
        ("0", "", None, None, 'e', "0.000000e+00"),
        ("0", "-+", Some(6), None, 'd', "+0    "),
        ("0", "", None, None, 'd', "0"),
        ("7", " ", None, None, 'd', " 7"),
        ("7", "-", Some(8), Some(5), 'd', "00007   "),
        ("7", "", None, None, 'g', "7"),
        ("7", "+0", Some(5), None, 'd', "+0007"),
        ("7", "", None, Some(2), 'f', "7.00"),
        ("7", "#", None, Some(4), 'x', "0x0007"),
        ("7", "", None, None, 'c', "\u{7}"),
        ("7", "-+", Some(6), None, 'd', "+7    "),
        ("7", "#", None, None, 'o', "0o7"),
        ("7", "#", None, None, 'x', "0x7"),
        ("7", "-#0", Some(8), None, 'x', "0x7     "),
        ("7", "#-", Some(8), None, 'x', "0x7     "),
        ("7", "-", Some(5), None, 'd', "7    "),
        ("7", "#", Some(8), None, 'x', "     0x7"),
        ("-42", "", None, None, 'u', "-42"),
        ("-42", " #", None, None, 'o', "-0o52"),
        ("-42", "#0", Some(8), None, 'x', "-0x0002a"),
        ("-42", "0", Some(10), Some(5), 'd', "-000000042"),
        ("-42", "", None, Some(2), 'f', "-42.00"),
        ("-42", "#", Some(8), None, 'x', "   -0x2a"),
        ("-42", "#", None, Some(4), 'x', "-0x002a"),
        ("-42", "", None, None, 'g', "-42"),
        ("-42", "+", None, None, 'd', "-42"),
        ("-42", "-+", Some(6), None, 'd', "-42   "),
        ("-42", "", None, None, 'x', "-2a"),
        ("-42", "+0", Some(5), None, 'd', "-0042"),
        ("255", "", None, None, 'c', "ÿ"),
        ("255", "", Some(5), None, 'd', "  255"),
        ("255", "", None, Some(5), 'd', "00255"),
        ("255", "", Some(3), None, 'c', "  ÿ"),
        ("255", "#", None, None, 'x', "0xff"),
        ("255", "+#", None, None, 'x', "+0xff"),
        ("255", "", None, None, 'u', "255"),
        ("255", "-+", Some(6), None, 'd', "+255  "),
        ("255", "", None, Some(2), 'f', "255.00"),
        ("255", "", None, None, 'g', "255"),
        ("255", "", None, None, 'X', "FF"),
        ("255", "", None, None, 'i', "255"),
        ("255", " ", None, None, 'd', " 255"),
        ("255", "#", Some(10), Some(4), 'X', "    0X00FF"),
        ("-255", " #", None, None, 'o', "-0o377"),
        ("-255", "", None, Some(2), 'f', "-255.00"),
        ("-255", "-+", Some(6), None, 'd', "-255  "),
        ("-255", "#", Some(10), Some(4), 'X', "   -0X00FF"),
        ("-255", "", None, Some(5), 'd', "-00255"),
        ("-255", "#0", Some(8), None, 'x', "-0x000ff"),
        ("-255", "", None, None, 'g', "-255"),
        ("-255", "-#0", Some(8), None, 'x', "-0xff   "),
        ("-255", "+", None, None, 'd', "-255"),
        ("-255", "-", Some(8), Some(5), 'd', "-00255  "),
        ("-255", "0", Some(5), None, 'd', "-0255"),
        ("-255", "#", Some(8), None, 'x', "   -0xff"),
        ("-255", "+#", None, None, 'x', "-0xff"),
        ("-255", "", None, None, 'x', "-ff"),
        ("65", " ", None, None, 'd', " 65"),
        ("65", "#", None, Some(4), 'x', "0x0041"),
        ("65", "", Some(3), None, 'c', "  A"),
        ("65", "0", Some(5), None, 'd', "00065"),
        ("65", "#-", Some(8), None, 'x', "0x41    "),
        ("65", "+0", Some(5), None, 'd', "+0065"),
        ("65", "+", None, None, 'd', "+65"),
        ("65", "", None, None, 'o', "101"),
        ("65", "", None, None, 'e', "6.500000e+01"),
        ("65", "#", None, None, 'X', "0X41"),
        ("65", "", None, None, 'c', "A"),
        ("65", "-#0", Some(8), None, 'x', "0x41    "),
        ("65", "-", Some(3), None, 'c', "A  "),
        ("65", "", None, None, 'X', "41"),
        ("10000000000000000000000000", "", None, None, 'g', "1e+25"),
        (
            "10000000000000000000000000",
            "",
            None,
            None,
            'u',
            "10000000000000000000000000",
        ),
        (
            "10000000000000000000000000",
            "",
            None,
            Some(2),
            'f',
            "10000000000000000905969664.00",
        ),
        (
            "10000000000000000000000000",
            "#",
            None,
            None,
            'o',
            "0o4105452130240024411200000000",
        ),
        (
            "10000000000000000000000000",
            "-",
            Some(8),
            Some(5),
            'd',
            "10000000000000000000000000",
        ),
        (
            "10000000000000000000000000",
            "#-",
            Some(8),
            None,
            'x',
            "0x84595161401484a000000",
        ),
        (
            "10000000000000000000000000",
            "",
            None,
            None,
            'e',
            "1.000000e+25",
        ),
        (
            "10000000000000000000000000",
            "-#0",
            Some(8),
            None,
            'x',
            "0x84595161401484a000000",
        ),
        (
            "10000000000000000000000000",
            "",
            None,
            None,
            'o',
            "4105452130240024411200000000",
        ),
        (
            "10000000000000000000000000",
            "-+",
            Some(6),
            None,
            'd',
            "+10000000000000000000000000",
        ),
        (
            "10000000000000000000000000",
            " ",
            None,
            None,
            'd',
            " 10000000000000000000000000",
        ),
        (
            "10000000000000000000000000",
            "#",
            None,
            Some(4),
            'x',
            "0x84595161401484a000000",
        ),
        (
            "-1180591620717411303424",
            "",
            None,
            None,
            'u',
            "-1180591620717411303424",
        ),
        (
            "-1180591620717411303424",
            "",
            Some(5),
            None,
            'd',
            "-1180591620717411303424",
        ),
        (
            "-1180591620717411303424",
            "",
            None,
            None,
            'g',
            "-1.18059e+21",
        ),
        (
            "-1180591620717411303424",
            "#",
            Some(10),
            Some(4),
            'X',
            "-0X400000000000000000",
        ),
        (
            "-1180591620717411303424",
            "",
            None,
            None,
            'o',
            "-200000000000000000000000",
        ),
        (
            "-1180591620717411303424",
            "",
            None,
            None,
            'x',
            "-400000000000000000",
        ),
        (
            "-1180591620717411303424",
            "",
            Some(8),
            Some(5),
            'd',
            "-1180591620717411303424",
        ),
        (
            "-1180591620717411303424",
            " ",
            None,
            None,
            'd',
            "-1180591620717411303424",
        ),
        (
            "-1180591620717411303424",
            "#",
            None,
            Some(4),
            'x',
            "-0x400000000000000000",
        ),
        (
            "-1180591620717411303424",
            "#-",
            Some(8),
            None,
            'x',
            "-0x400000000000000000",
        ),
        (
            "-1180591620717411303424",
            "",
            None,
            Some(5),
            'd',
            "-1180591620717411303424",
        ),
        (
            "-1180591620717411303424",
            "-+",
            Some(6),
            None,
            'd',
            "-1180591620717411303424",
        ),
    ];

    #[test]
    fn float_table() {
        for &(bits, spec, ref want) in FLOAT_CASES {
            let x = f64::from_bits(bits);
            assert_eq!(fmt_float(x, spec), owned(want), "format({x:?}, {spec:?})");
        }
    }

    #[test]
    fn int_table() {
        for &(v, spec, ref want) in INT_CASES {
            assert_eq!(fmt_int(&big(v), spec), owned(want), "format({v}, {spec:?})");
        }
    }

    #[test]
    fn str_table() {
        for &(s, spec, ref want) in STR_CASES {
            assert_eq!(fmt_str(s, spec), owned(want), "format({s:?}, {spec:?})");
        }
    }

    #[test]
    fn repr_table() {
        for &(bits, want) in REPR_CASES {
            assert_eq!(float_repr(f64::from_bits(bits)), want);
        }
    }

    #[test]
    fn repr_examples() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(float_repr(-0.0), "-0.0");
        assert_eq!(float_repr(f64::NAN), "nan");
        assert_eq!(float_repr(-f64::NAN), "nan");
        // Halfway between two 16-digit candidates: dtoa picks the even one.
        assert_eq!(float_repr(916841803589420.2), "916841803589420.2");
    }

    #[test]
    fn round_table() {
        for &(bits, nd, want) in ROUND_CASES {
            let x = f64::from_bits(bits);
            let got = round_float(x, nd);
            assert_eq!(got.to_bits(), want, "round({x:?}, {nd}) = {got:?}");
        }
        assert!(round_float(f64::NAN, 3).is_nan());
        // CPython raises OverflowError here; we report infinity.
        assert_eq!(round_float(1.7976931348623157e308, -307), f64::INFINITY);
        assert_eq!(
            round_float(-1.7976931348623157e308, -307),
            f64::NEG_INFINITY
        );
    }

    #[test]
    fn parse_float_table() {
        for &(s, want) in PARSE_FLOAT_CASES {
            let got = parse_float(s).map(f64::to_bits);
            assert_eq!(got, want, "float({s:?})");
        }
    }

    #[test]
    fn parse_int_table() {
        for &(s, base, want) in PARSE_INT_CASES {
            let got = parse_int(s, base).map(|v| v.to_string());
            assert_eq!(got.as_deref(), want, "int({s:?}, {base})");
        }
    }

    #[test]
    fn percent_float_table() {
        for &(bits, flags, width, prec, conv, want) in PERCENT_FLOAT_CASES {
            let x = f64::from_bits(bits);
            let got = percent_format_float(x, flags, width, prec, conv);
            assert_eq!(got, want, "{flags:?} {width:?} {prec:?} {conv} % {x:?}");
        }
    }

    #[test]
    fn percent_int_table() {
        for &(v, flags, width, prec, conv, want) in PERCENT_INT_CASES {
            let got = percent_format_int(&big(v), flags, width, prec, conv);
            assert_eq!(got, want, "{flags:?} {width:?} {prec:?} {conv} % {v}");
        }
    }

    #[test]
    fn spec_parsing() {
        let fs = parse_format_spec("*^+z#010,.3f").expect("valid spec");
        assert_eq!(
            fs,
            FormatSpec {
                fill: Some('*'),
                align: Some('^'),
                sign: Some('+'),
                no_neg_zero: true,
                alternate: true,
                zero: false,
                width: Some(10),
                grouping: Some(','),
                precision: Some(3),
                ty: Some('f'),
            }
        );
        let fs = parse_format_spec("08_x").expect("valid spec");
        assert!(fs.zero && fs.fill.is_none() && fs.width == Some(8));
        assert_eq!(
            parse_format_spec_for("abc", "int"),
            Err("Invalid format specifier 'abc' for object of type 'int'".to_string())
        );
        assert_eq!(
            parse_format_spec("1,_").map(|_| ()),
            Err("Cannot specify both ',' and '_'.".to_string())
        );
        assert_eq!(
            parse_format_spec(".f").map(|_| ()),
            Err("Format specifier missing precision".to_string())
        );
    }

    #[test]
    fn huge_widths_are_refused_not_allocated() {
        let err = Err(TOO_MANY_DIGITS.to_string());
        assert_eq!(fmt_int(&big("1"), "1000000000"), err);
        assert_eq!(fmt_int(&big("1"), "99999999999999999999999999"), err);
        assert_eq!(fmt_float(1.0, ".99999999999"), err);
        assert_eq!(fmt_str("a", "10000001"), err);
        assert_eq!(
            fmt_int(&big("1"), "10000000").map(|s| s.len()),
            Ok(10_000_000)
        );
        let manual = FormatSpec {
            width: Some(usize::MAX),
            ..FormatSpec::default()
        };
        assert_eq!(format_str("a", &manual), err);
        // printf-style has no error channel: widths are clamped instead.
        let s = percent_format_int(&big("1"), "", Some(usize::MAX), None, 'd');
        assert_eq!(s.len(), MAX_FORMAT_WIDTH);
    }

    #[test]
    fn large_precision_beyond_rust_formatter_limit() {
        let s = fmt_float(0.1, ".100000f").expect("formats");
        assert_eq!(s.len(), 100_002);
        assert!(s.starts_with("0.1000000000000000055511151231257827"));
        assert!(s.ends_with("0000"));
        let s = fmt_float(5e-324, ".2000e").expect("formats");
        assert!(s.starts_with("4.940656458412465441765687928682213723"));
        assert!(s.ends_with("0e-324"));
    }

    #[test]
    fn int_digit_limit() {
        let limit = num_traits::pow(big("10"), INT_MAX_STR_DIGITS);
        let just_below: BigInt = &limit - 1;
        assert_eq!(fmt_int(&just_below, "").map(|s| s.len()), Ok(4300));
        assert_eq!(
            fmt_int(&limit, ""),
            Err(int_str_limit_msg(INT_MAX_STR_DIGITS))
        );
        assert!(fmt_int(&limit, "x").is_ok());
    }

    #[test]
    fn no_panics_on_arbitrary_specs() {
        // A cheap deterministic generator over the spec alphabet.
        let alphabet: Vec<char> = "<>=^+- z#0123456789,_.bcdeEfFgGnosxX%*中é"
            .chars()
            .collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let values = [0.0, -0.0, 1.5, -1e300, f64::NAN, f64::NEG_INFINITY, 5e-324];
        for _ in 0..20_000 {
            let len = (next() % 8) as usize;
            let spec: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let x = values[(next() % values.len() as u64) as usize];
            let _ = fmt_float(x, &spec);
            let _ = fmt_int(&BigInt::from(next() as i64), &spec);
            let _ = fmt_str("中文", &spec);
            let _ = parse_float(&spec);
            let _ = parse_int(&spec, (next() % 40) as u32);
        }
    }
}
