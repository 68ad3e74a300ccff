//! Numeric helpers (round, divmod, float→int) and the methods of int and float.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{FromPrimitive, One, Zero};
use smallvec::smallvec;

use super::args::{self, as_big, has_method};
use crate::object::{CallArgs, PyResult};
use crate::types::{Types, overflow_error, type_error, type_name, value_error, zero_division};
use crate::value::Value;
use crate::vm::Vm;

/// int(x) for a float: truncation toward zero, with CPython's errors for inf and nan.
pub fn float_to_int(x: f64) -> PyResult<Value> {
    if x.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(overflow_error("cannot convert float infinity to integer"));
    }
    let t = x.trunc();
    if t.abs() < 9.0e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(Value::big(BigInt::from_f64(t).unwrap_or_default()))
}

/// round(x[, ndigits]) for any value.
pub fn round_value(vm: &mut Vm, x: &Value, nd: Option<&Value>) -> PyResult<Value> {
    match x {
        Value::Float(f) => match nd {
            None => float_to_int(f.round_ties_even()),
            Some(n) => {
                let n = args::index_clamped(vm, n)?;
                let n = n.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
                let r = crate::format::round_float(*f, n);
                if f.is_finite() && !r.is_finite() {
                    return Err(overflow_error("rounded value too large to represent"));
                }
                Ok(Value::Float(r))
            }
        },
        Value::Int(_) | Value::Big(_) | Value::Bool(_) => {
            let v = as_big(x).unwrap_or_default();
            match nd {
                None => Ok(Value::big(v)),
                Some(n) => {
                    let n = args::index_clamped(vm, n)?;
                    if n >= 0 {
                        return Ok(Value::big(v));
                    }
                    Ok(Value::big(round_int_neg(&v, n.unsigned_abs())))
                }
            }
        }
        _ if has_method(x, "__round__") => {
            let a = match nd {
                Some(n) => CallArgs::new(smallvec![n.clone()]),
                None => CallArgs::default(),
            };
            vm.call_method(x, "__round__", a)
        }
        _ => Err(type_error(format!(
            "type {} doesn't define __round__ method",
            type_name(x)
        ))),
    }
}

/// Round an int to a multiple of 10**digits, ties to even.
pub fn round_int_neg(v: &BigInt, digits: u64) -> BigInt {
    // 10**digits beyond the value's size rounds everything to zero.
    if digits > v.bits() / 3 + 2 {
        return BigInt::zero();
    }
    let p = BigInt::from(10).pow(digits as u32);
    let (q, r) = v.div_mod_floor(&p);
    let twice = &r * 2;
    let q = if twice > p || (twice == p && q.is_odd()) {
        q + 1
    } else {
        q
    };
    q * p
}

/// CPython's float divmod (floor semantics, signed zeros).
pub fn float_divmod(vx: f64, wx: f64) -> PyResult<(f64, f64)> {
    if wx == 0.0 {
        return Err(zero_division("float divmod()"));
    }
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(vx / wx)
    };
    Ok((floordiv, m))
}

pub fn divmod_values(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    if let (Some(x), Some(y)) = (as_big(a), as_big(b)) {
        if y.is_zero() {
            return Err(zero_division("integer division or modulo by zero"));
        }
        let (q, r) = x.div_mod_floor(&y);
        return Ok(Value::tuple(vec![Value::big(q), Value::big(r)]));
    }
    let num = |v: &Value| {
        matches!(
            v,
            Value::Int(_) | Value::Big(_) | Value::Bool(_) | Value::Float(_)
        )
    };
    if num(a) && num(b) {
        let x = args::try_f64(vm, a)?.unwrap_or(0.0);
        let y = args::try_f64(vm, b)?.unwrap_or(0.0);
        let (q, r) = float_divmod(x, y)?;
        return Ok(Value::tuple(vec![Value::Float(q), Value::Float(r)]));
    }
    if has_method(a, "__divmod__") {
        let r = vm.call_method(a, "__divmod__", CallArgs::new(smallvec![b.clone()]))?;
        if !is_not_implemented(&r) {
            return Ok(r);
        }
    }
    if has_method(b, "__rdivmod__") {
        let r = vm.call_method(b, "__rdivmod__", CallArgs::new(smallvec![a.clone()]))?;
        if !is_not_implemented(&r) {
            return Ok(r);
        }
    }
    Err(type_error(format!(
        "unsupported operand type(s) for divmod(): '{}' and '{}'",
        type_name(a),
        type_name(b)
    )))
}

fn is_not_implemented(v: &Value) -> bool {
    let t = crate::types::types();
    std::rc::Rc::ptr_eq(&crate::types::type_of(v), &t.not_implemented)
}

/// The exact ratio of a finite float.
pub fn float_ratio(x: f64) -> PyResult<(BigInt, BigInt)> {
    if x.is_nan() {
        return Err(value_error("cannot convert NaN to integer ratio"));
    }
    if x.is_infinite() {
        return Err(overflow_error("cannot convert Infinity to integer ratio"));
    }
    if x == 0.0 {
        return Ok((BigInt::zero(), BigInt::one()));
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let mut n = BigInt::from(mant);
    let mut d = BigInt::one();
    if e > 0 {
        n <<= e as usize;
    } else {
        d <<= (-e) as usize;
    }
    let g = n.gcd(&d);
    n /= &g;
    d /= &g;
    if x < 0.0 {
        n = -n;
    }
    Ok((n, d))
}

fn recv_int(a: &CallArgs, meth: &str) -> PyResult<BigInt> {
    let r = args::recv(a, meth, "int")?;
    as_big(r).ok_or_else(|| args::bad_recv(meth, "int", r))
}

fn recv_float(a: &CallArgs, meth: &str) -> PyResult<f64> {
    match args::recv(a, meth, "float")? {
        Value::Float(x) => Ok(*x),
        other => Err(args::bad_recv(meth, "float", other)),
    }
}

fn int_bit_length(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let n = recv_int(&a, "bit_length")?;
    args::none("int.bit_length", &a, 1)?;
    Ok(Value::Int(n.bits() as i64))
}

fn int_bit_count(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let n = recv_int(&a, "bit_count")?;
    args::none("int.bit_count", &a, 1)?;
    let c: u64 = n
        .magnitude()
        .iter_u32_digits()
        .map(|d| d.count_ones() as u64)
        .sum();
    Ok(Value::Int(c as i64))
}

fn int_conjugate(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let n = recv_int(&a, "conjugate")?;
    args::none("int.conjugate", &a, 1)?;
    Ok(Value::big(n))
}

fn int_is_integer(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    recv_int(&a, "is_integer")?;
    args::none("int.is_integer", &a, 1)?;
    Ok(Value::Bool(true))
}

fn int_as_integer_ratio(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let n = recv_int(&a, "as_integer_ratio")?;
    args::none("int.as_integer_ratio", &a, 1)?;
    Ok(Value::tuple(vec![Value::big(n), Value::Int(1)]))
}

fn int_index(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let n = recv_int(&a, "__index__")?;
    Ok(Value::big(n))
}

fn float_is_integer(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let x = recv_float(&a, "is_integer")?;
    args::none("float.is_integer", &a, 1)?;
    Ok(Value::Bool(x.is_finite() && x.fract() == 0.0))
}

fn float_as_integer_ratio(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let x = recv_float(&a, "as_integer_ratio")?;
    args::none("float.as_integer_ratio", &a, 1)?;
    let (n, d) = float_ratio(x)?;
    Ok(Value::tuple(vec![Value::big(n), Value::big(d)]))
}

fn float_conjugate(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let x = recv_float(&a, "conjugate")?;
    args::none("float.conjugate", &a, 1)?;
    Ok(Value::Float(x))
}

fn float_hex(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let x = recv_float(&a, "hex")?;
    args::none("float.hex", &a, 1)?;
    Ok(Value::string(float_hex_str(x)))
}

/// float.hex(): '0x1.8000000000000p+1' style.
pub fn float_hex_str(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0x0.0p+0");
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (lead, e) = if exp == 0 {
        (0, -1022)
    } else {
        (1, exp - 1023)
    };
    let es = if e >= 0 {
        format!("+{e}")
    } else {
        format!("{e}")
    };
    format!("{sign}0x{lead}.{frac:013x}p{es}")
}

fn int_round(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let r = args::recv(&a, "__round__", "int")?.clone();
    args::unpack("__round__", &a, 1, 0, 1)?;
    round_value(vm, &r, a.pos.get(1))
}

fn float_round(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let r = args::recv(&a, "__round__", "float")?.clone();
    args::unpack("__round__", &a, 1, 0, 1)?;
    let nd = a.pos.get(1).filter(|v| !v.is_none());
    round_value(vm, &r, nd)
}

pub fn register(t: &Types) {
    let add =
        |c: &std::rc::Rc<crate::object::Class>, name: &'static str, f: crate::object::NativeFn| {
            c.dict
                .borrow_mut()
                .insert(name.into(), args::builtin(name, f));
        };
    for c in [&t.int, &t.bool_] {
        add(c, "bit_length", int_bit_length);
        add(c, "bit_count", int_bit_count);
        add(c, "conjugate", int_conjugate);
        add(c, "is_integer", int_is_integer);
        add(c, "as_integer_ratio", int_as_integer_ratio);
        add(c, "__index__", int_index);
        add(c, "__round__", int_round);
    }
    add(&t.float, "is_integer", float_is_integer);
    add(&t.float, "as_integer_ratio", float_as_integer_ratio);
    add(&t.float, "conjugate", float_conjugate);
    add(&t.float, "hex", float_hex);
    add(&t.float, "__round__", float_round);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divmod_floats_match_python() {
        assert_eq!(float_divmod(7.0, -2.0).ok(), Some((-4.0, -1.0)));
        assert_eq!(float_divmod(-7.5, 2.0).ok(), Some((-4.0, 0.5)));
        let (q, r) = float_divmod(0.0, -3.0).unwrap_or((1.0, 1.0));
        assert!(q == 0.0 && r.is_sign_negative());
    }

    #[test]
    fn round_negative_digits_ties_to_even() {
        assert_eq!(round_int_neg(&BigInt::from(1250), 2), BigInt::from(1200));
        assert_eq!(round_int_neg(&BigInt::from(1350), 2), BigInt::from(1400));
        assert_eq!(round_int_neg(&BigInt::from(-1251), 2), BigInt::from(-1300));
        assert_eq!(round_int_neg(&BigInt::from(5), 1), BigInt::from(0));
        assert_eq!(round_int_neg(&BigInt::from(15), 1), BigInt::from(20));
        assert_eq!(round_int_neg(&BigInt::from(99), 30), BigInt::from(0));
    }

    #[test]
    fn float_helpers() {
        let (n, d) = float_ratio(0.75).unwrap_or_default();
        assert_eq!((n, d), (BigInt::from(3), BigInt::from(4)));
        assert_eq!(float_hex_str(3.0), "0x1.8000000000000p+1");
        assert_eq!(float_hex_str(-0.1), "-0x1.999999999999ap-4");
    }
}
