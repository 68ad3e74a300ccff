//! Argument checking and conversion helpers shared by all built-ins.
//!
//! Error messages follow CPython's, which come in a few families depending on how the
//! C function parses its arguments (METH_O, PyArg_UnpackTuple, Argument Clinic).

use std::rc::Rc;

use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

use crate::object::{CallArgs, PyResult, PyStr};
use crate::types::{exc, overflow_error, type_error, type_name, types};
use crate::value::Value;
use crate::vm::Vm;

/// The most items any built-in will allocate on request (`'a' * n`, `[None] * k`...).
pub const MAX_ITEMS: usize = 1 << 31;

pub fn memory_error() -> crate::object::Exc {
    exc("MemoryError", "")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "f() takes no keyword arguments"
pub fn no_kw(name: &str, a: &CallArgs) -> PyResult<()> {
    if a.kw.is_empty() {
        Ok(())
    } else {
        Err(type_error(format!("{name}() takes no keyword arguments")))
    }
}

/// METH_O style: exactly one positional argument after `skip` receivers.
pub fn one(name: &str, a: &CallArgs, skip: usize) -> PyResult<Value> {
    no_kw(name, a)?;
    let n = a.pos.len().saturating_sub(skip);
    if n != 1 {
        return Err(type_error(format!(
            "{name}() takes exactly one argument ({n} given)"
        )));
    }
    Ok(a.pos[skip].clone())
}

/// METH_NOARGS style.
pub fn none(name: &str, a: &CallArgs, skip: usize) -> PyResult<()> {
    no_kw(name, a)?;
    let n = a.pos.len().saturating_sub(skip);
    if n != 0 {
        return Err(type_error(format!(
            "{name}() takes no arguments ({n} given)"
        )));
    }
    Ok(())
}

/// PyArg_UnpackTuple style: "name expected at least 1 argument, got 0".
pub fn unpack(name: &str, a: &CallArgs, skip: usize, min: usize, max: usize) -> PyResult<()> {
    no_kw(name, a)?;
    let n = a.pos.len().saturating_sub(skip);
    if min == max && n != min {
        return Err(type_error(format!(
            "{name} expected {min} argument{}, got {n}",
            plural(min)
        )));
    }
    if n < min {
        return Err(type_error(format!(
            "{name} expected at least {min} argument{}, got {n}",
            plural(min)
        )));
    }
    if n > max {
        return Err(type_error(format!(
            "{name} expected at most {max} argument{}, got {n}",
            plural(max)
        )));
    }
    Ok(())
}

/// Argument Clinic style: positional-or-keyword parameters `names`, the first `min` required.
/// Returns one slot per parameter (None when not given).
pub fn params(
    name: &str,
    a: &mut CallArgs,
    skip: usize,
    names: &[&str],
    min: usize,
) -> PyResult<Vec<Option<Value>>> {
    let n = a.pos.len().saturating_sub(skip);
    if n > names.len() {
        return Err(type_error(if names.is_empty() {
            format!("{name}() takes no positional arguments")
        } else {
            format!(
                "{name}() takes at most {} argument{} ({n} given)",
                names.len(),
                plural(names.len())
            )
        }));
    }
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    for (i, v) in a.pos.iter().skip(skip).enumerate() {
        out[i] = Some(v.clone());
    }
    for (k, v) in std::mem::take(&mut a.kw) {
        match names.iter().position(|n| **n == *k) {
            Some(i) if out[i].is_none() => out[i] = Some(v),
            Some(i) => {
                return Err(type_error(format!(
                    "argument for {name}() given by name ('{k}') and position ({})",
                    i + 1
                )));
            }
            None => {
                return Err(type_error(format!(
                    "'{k}' is an invalid keyword argument for {name}()"
                )));
            }
        }
    }
    for (i, slot) in out.iter().enumerate().take(min) {
        if slot.is_none() {
            return Err(type_error(format!(
                "{name}() missing required argument '{}' (pos {})",
                names[i],
                i + 1
            )));
        }
    }
    Ok(out)
}

/// Take the keyword arguments `names` out of `a`; any other keyword is an error.
pub fn kwonly(name: &str, a: &mut CallArgs, names: &[&str]) -> PyResult<Vec<Option<Value>>> {
    let mut out = vec![None; names.len()];
    for (k, v) in std::mem::take(&mut a.kw) {
        match names.iter().position(|n| **n == *k) {
            Some(i) => out[i] = Some(v),
            None => {
                return Err(type_error(format!(
                    "'{k}' is an invalid keyword argument for {name}()"
                )));
            }
        }
    }
    Ok(out)
}

/// Remove the keyword arguments `names` from `a` (others stay for a later `params`).
pub fn take_named(a: &mut CallArgs, names: &[&str]) -> Vec<Option<Value>> {
    names.iter().map(|n| a.take_kw(n)).collect()
}

/// The receiver of a method of a built-in type, checked like CPython's method descriptors.
pub fn recv<'a>(a: &'a CallArgs, meth: &str, tyname: &str) -> PyResult<&'a Value> {
    a.pos.first().ok_or_else(|| {
        type_error(format!(
            "unbound method {tyname}.{meth}() needs an argument"
        ))
    })
}

pub fn bad_recv(meth: &str, tyname: &str, v: &Value) -> crate::object::Exc {
    type_error(format!(
        "descriptor '{meth}' for '{tyname}' objects doesn't apply to a '{}' object",
        type_name(v)
    ))
}

pub fn recv_str(a: &CallArgs, meth: &str) -> PyResult<Rc<PyStr>> {
    match recv(a, meth, "str")? {
        Value::Str(s) => Ok(s.clone()),
        other => Err(bad_recv(meth, "str", other)),
    }
}

/// The int value of an int-like immediate (not calling `__index__`).
pub fn as_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::Big(b) => Some((**b).clone()),
        _ => None,
    }
}

pub fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Bool(_) | Value::Big(_))
}

/// Does the class of `v` (an instance) define `name`?
pub fn has_method(v: &Value, name: &str) -> bool {
    match v {
        Value::Instance(i) => i.class.lookup(name).is_some(),
        _ => false,
    }
}

/// `operator.index(v)`: ints, bools, and instances with `__index__`.
pub fn index(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Int(_) | Value::Big(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        _ if has_method(v, "__index__") => {
            let r = vm.call_method(v, "__index__", CallArgs::default())?;
            match r {
                Value::Int(_) | Value::Big(_) => Ok(r),
                Value::Bool(b) => Ok(Value::Int(b as i64)),
                other => Err(type_error(format!(
                    "__index__ returned non-int (type {})",
                    type_name(&other)
                ))),
            }
        }
        _ => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            type_name(v)
        ))),
    }
}

pub fn index_big(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    let r = index(vm, v)?;
    Ok(as_big(&r).unwrap_or_else(BigInt::zero))
}

/// An index-able value as i64 (OverflowError like CPython's Py_ssize_t conversion).
pub fn index_i64(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match index(vm, v)? {
        Value::Int(i) => Ok(i),
        _ => Err(overflow_error(
            "Python int too large to convert to C ssize_t",
        )),
    }
}

/// Like `index_i64` but saturating: for clamped positions (slice bounds, str.find start).
pub fn index_clamped(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match index(vm, v)? {
        Value::Int(i) => Ok(i),
        Value::Big(b) if b.sign() == num_bigint::Sign::Minus => Ok(i64::MIN),
        _ => Ok(i64::MAX),
    }
}

/// Optional positional index: None means "not given".
pub fn opt_index_clamped(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<i64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => index_clamped(vm, v).map(Some),
    }
}

pub fn big_to_f64(b: &BigInt) -> PyResult<f64> {
    match b.to_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(overflow_error("int too large to convert to float")),
    }
}

/// A real number as f64 (ints, floats, bools, `__float__`, `__index__`); None if not real.
pub fn try_f64(vm: &mut Vm, v: &Value) -> PyResult<Option<f64>> {
    Ok(Some(match v {
        Value::Float(x) => *x,
        Value::Int(i) => *i as f64,
        Value::Bool(b) => *b as i64 as f64,
        Value::Big(b) => big_to_f64(b)?,
        _ if has_method(v, "__float__") => {
            match vm.call_method(v, "__float__", CallArgs::default())? {
                Value::Float(x) => x,
                other => {
                    return Err(type_error(format!(
                        "{}.__float__ returned non-float (type {})",
                        type_name(v),
                        type_name(&other)
                    )));
                }
            }
        }
        _ if has_method(v, "__index__") => {
            let b = index_big(vm, v)?;
            big_to_f64(&b)?
        }
        _ => return Ok(None),
    }))
}

/// A real number as f64, with math-module wording: "must be real number, not str".
pub fn to_f64(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match try_f64(vm, v)? {
        Some(x) => Ok(x),
        None => Err(type_error(format!(
            "must be real number, not {}",
            type_name(v)
        ))),
    }
}

/// A str argument, with the caller's wording for the error.
pub fn str_arg(v: &Value, what: impl FnOnce(&Value) -> String) -> PyResult<Rc<PyStr>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(type_error(what(other))),
    }
}

/// Is `v` an instance of `cls`, following CPython's bool-is-an-int rule?
pub fn instance_of(vm: &mut Vm, v: &Value, cls: &Rc<crate::object::Class>) -> bool {
    let t = types();
    if matches!(v, Value::Bool(_)) && Rc::ptr_eq(cls, &t.int) {
        return true;
    }
    vm.isinstance(v, cls)
}

pub fn is_subclass(a: &Rc<crate::object::Class>, b: &Rc<crate::object::Class>) -> bool {
    let t = types();
    if Rc::ptr_eq(a, &t.bool_) && Rc::ptr_eq(b, &t.int) {
        return true;
    }
    a.is_subclass(b)
}

/// Items of a sequence or iterable, without copying when it is a list or tuple.
pub fn items(vm: &mut Vm, v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::List(l) => Ok(l.borrow().clone()),
        Value::Tuple(t) => Ok((**t).clone()),
        _ => vm.collect(v),
    }
}

/// Resolve Python slice-style `start`/`end` (already clamped to i64) against a length.
pub fn slice_bounds(start: Option<i64>, end: Option<i64>, len: usize) -> (usize, usize) {
    let len_i = len as i64;
    let fix = |v: i64| -> usize {
        if v < 0 {
            (v.saturating_add(len_i)).max(0) as usize
        } else {
            v.min(len_i) as usize
        }
    };
    (fix(start.unwrap_or(0)), fix(end.unwrap_or(len_i)))
}

pub fn new_str(s: String) -> Value {
    Value::string(s)
}

pub fn builtin(name: &'static str, func: crate::object::NativeFn) -> Value {
    Value::Builtin(Rc::new(crate::object::Builtin {
        name,
        func,
        bound: None,
    }))
}

pub fn bound_builtin(name: &'static str, func: crate::object::NativeFn, recv: Value) -> Value {
    Value::Builtin(Rc::new(crate::object::Builtin {
        name,
        func,
        bound: Some(recv),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_bounds_follow_python() {
        assert_eq!(slice_bounds(None, None, 5), (0, 5));
        assert_eq!(slice_bounds(Some(-2), None, 5), (3, 5));
        assert_eq!(slice_bounds(Some(-10), Some(100), 5), (0, 5));
        assert_eq!(slice_bounds(Some(3), Some(1), 5), (3, 1));
        assert_eq!(slice_bounds(Some(i64::MIN), Some(-1), 5), (0, 4));
    }
}
