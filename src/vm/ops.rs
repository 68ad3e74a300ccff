//! Arithmetic, comparison and unary operators, with Python's numeric tower (bool < int < float)
//! and the dunder protocol for instances.

use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::Vm;
use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::object::{CallArgs, IterObj, PyResult};
use crate::types::{self, exc, overflow_error, type_error, type_name, zero_division};
use crate::value::Value;

pub fn binop_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::MatMul => "@",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "** or pow()",
        BinOp::LShift => "<<",
        BinOp::RShift => ">>",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
        BinOp::BitAnd => "&",
    }
}

fn dunder(op: BinOp) -> (&'static str, &'static str, &'static str) {
    match op {
        BinOp::Add => ("__add__", "__radd__", "__iadd__"),
        BinOp::Sub => ("__sub__", "__rsub__", "__isub__"),
        BinOp::Mul => ("__mul__", "__rmul__", "__imul__"),
        BinOp::MatMul => ("__matmul__", "__rmatmul__", "__imatmul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__", "__itruediv__"),
        BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
        BinOp::Mod => ("__mod__", "__rmod__", "__imod__"),
        BinOp::Pow => ("__pow__", "__rpow__", "__ipow__"),
        BinOp::LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
        BinOp::RShift => ("__rshift__", "__rrshift__", "__irshift__"),
        BinOp::BitOr => ("__or__", "__ror__", "__ior__"),
        BinOp::BitXor => ("__xor__", "__rxor__", "__ixor__"),
        BinOp::BitAnd => ("__and__", "__rand__", "__iand__"),
    }
}

/// An int operand as a BigInt (bools count as ints).
pub fn to_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::Big(b) => Some((**b).clone()),
        _ => None,
    }
}

pub fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Big(b) => b.to_f64(),
        _ => None,
    }
}

fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Bool(_) | Value::Big(_))
}

fn is_num(v: &Value) -> bool {
    is_int(v) || matches!(v, Value::Float(_))
}

fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0f64.copysign(b)
    } else {
        m
    }
}

/// Python's float floor division: exact on the remainder, rounded like CPython.
fn float_floordiv(a: f64, b: f64) -> f64 {
    let m = a % b;
    let div = (a - m) / b;
    let m_adj = if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div - 1.0
    } else {
        div
    };
    if m_adj == 0.0 {
        return 0.0f64.copysign(a / b);
    }
    let f = m_adj.floor();
    if m_adj - f > 0.5 { f + 1.0 } else { f }
}

fn int_op(a: &Value, op: BinOp, b: &Value) -> PyResult<Option<Value>> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        let r = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            BinOp::FloorDiv => {
                if y == 0 {
                    return Err(zero_division("integer division or modulo by zero"));
                }
                x.checked_div_euclid(y).map(|_| Integer::div_floor(&x, &y))
            }
            BinOp::Mod => {
                if y == 0 {
                    return Err(zero_division("integer modulo by zero"));
                }
                x.checked_rem(y).map(|_| x.mod_floor(&y))
            }
            BinOp::BitAnd => Some(x & y),
            BinOp::BitOr => Some(x | y),
            BinOp::BitXor => Some(x ^ y),
            BinOp::LShift => {
                if y < 0 {
                    return Err(exc("ValueError", "negative shift count"));
                }
                if y < 63 && (x.abs() >> (62 - y)) == 0 {
                    Some(x << y)
                } else {
                    None
                }
            }
            BinOp::RShift => {
                if y < 0 {
                    return Err(exc("ValueError", "negative shift count"));
                }
                Some(if y >= 64 {
                    if x < 0 { -1 } else { 0 }
                } else {
                    x >> y
                })
            }
            BinOp::Pow if y >= 0 => {
                if y > u32::MAX as i64 {
                    None
                } else {
                    x.checked_pow(y as u32)
                }
            }
            _ => None,
        };
        if let Some(r) = r {
            return Ok(Some(Value::Int(r)));
        }
    }
    let (Some(x), Some(y)) = (to_big(a), to_big(b)) else {
        return Ok(None);
    };
    let r = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::FloorDiv => {
            if y.is_zero() {
                return Err(zero_division("integer division or modulo by zero"));
            }
            x.div_floor(&y)
        }
        BinOp::Mod => {
            if y.is_zero() {
                return Err(zero_division("integer modulo by zero"));
            }
            x.mod_floor(&y)
        }
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        BinOp::BitXor => x ^ y,
        BinOp::LShift => {
            let s = y.to_u32().ok_or_else(|| {
                if y.is_negative() {
                    exc("ValueError", "negative shift count")
                } else {
                    overflow_error("too many digits in integer")
                }
            })?;
            if s > 1 << 24 {
                return Err(exc("MemoryError", ""));
            }
            x << s
        }
        BinOp::RShift => {
            if y.is_negative() {
                return Err(exc("ValueError", "negative shift count"));
            }
            let s = y.to_u32().unwrap_or(u32::MAX).min(1 << 30);
            x >> s
        }
        BinOp::Pow => {
            if y.is_negative() {
                let (Some(fx), Some(fy)) = (x.to_f64(), y.to_f64()) else {
                    return Err(overflow_error("int too large to convert to float"));
                };
                if fx == 0.0 {
                    return Err(zero_division("0.0 cannot be raised to a negative power"));
                }
                return Ok(Some(Value::Float(fx.powf(fy))));
            }
            let e = y.to_u32().ok_or_else(|| exc("MemoryError", ""))?;
            if x.bits() as u128 * e as u128 > 1 << 26 {
                return Err(exc("MemoryError", ""));
            }
            num_traits::pow::Pow::pow(x, e)
        }
        BinOp::Div => {
            if y.is_zero() {
                return Err(zero_division("division by zero"));
            }
            return Ok(Some(Value::Float(big_true_div(&x, &y)?)));
        }
        BinOp::MatMul => return Ok(None),
    };
    Ok(Some(Value::big(r)))
}

fn big_true_div(x: &BigInt, y: &BigInt) -> PyResult<f64> {
    match (x.to_f64(), y.to_f64()) {
        (Some(a), Some(b))
            if a.is_finite() && b.is_finite() && a.abs() < 9.007e15 && b.abs() < 9.007e15 =>
        {
            Ok(a / b)
        }
        _ => {
            // Scale to keep precision for huge operands.
            let q = x.div_floor(y);
            let qf = q.to_f64().unwrap_or(f64::INFINITY);
            if !qf.is_finite() {
                return Err(overflow_error(
                    "integer division result too large for a float",
                ));
            }
            let r = x - &q * y;
            Ok(qf + r.to_f64().unwrap_or(0.0) / y.to_f64().unwrap_or(f64::INFINITY))
        }
    }
}

fn float_op(a: f64, op: BinOp, b: f64) -> PyResult<Option<Value>> {
    let r = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            a / b
        }
        BinOp::FloorDiv => {
            if b == 0.0 {
                return Err(zero_division("float floor division by zero"));
            }
            float_floordiv(a, b)
        }
        BinOp::Mod => {
            if b == 0.0 {
                return Err(zero_division("float modulo"));
            }
            float_mod(a, b)
        }
        BinOp::Pow => {
            if a == 0.0 && b < 0.0 {
                return Err(zero_division("0.0 cannot be raised to a negative power"));
            }
            if a < 0.0 && b.fract() != 0.0 {
                return Err(exc("ValueError", "complex results are not supported"));
            }
            let r = a.powf(b);
            if r.is_infinite() && a.is_finite() && b.is_finite() {
                return Err(overflow_error("(34, 'Numerical result out of range')"));
            }
            r
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::Float(r)))
}

fn seq_repeat(items: &[Value], n: &Value) -> PyResult<Vec<Value>> {
    let n = match n {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        _ => 0,
    };
    if n <= 0 {
        return Ok(Vec::new());
    }
    let total = (items.len() as u128) * (n as u128);
    if total > 1 << 31 {
        return Err(exc("MemoryError", ""));
    }
    crate::memory::reserve(total as usize * std::mem::size_of::<Value>())?;
    let mut out = Vec::with_capacity(total as usize);
    for _ in 0..n {
        out.extend(items.iter().cloned());
    }
    Ok(out)
}

impl Vm {
    pub(super) fn binary_op(
        &mut self,
        a: &Value,
        op: BinOp,
        b: &Value,
        inplace: bool,
    ) -> PyResult<Value> {
        if let Some(v) = Vm::step_binop_fast(a, op, b) {
            return Ok(v);
        }
        if let (Value::Bool(x), Value::Bool(y)) = (a, b) {
            match op {
                BinOp::BitAnd => return Ok(Value::Bool(*x & *y)),
                BinOp::BitOr => return Ok(Value::Bool(*x | *y)),
                BinOp::BitXor => return Ok(Value::Bool(*x ^ *y)),
                _ => {}
            }
        }
        if is_int(a) && is_int(b) {
            if let Some(v) = int_op(a, op, b)? {
                return Ok(v);
            }
        } else if is_num(a) && is_num(b) {
            let (Some(x), Some(y)) = (to_f64(a), to_f64(b)) else {
                return Err(overflow_error("int too large to convert to float"));
            };
            if let Some(v) = float_op(x, op, y)? {
                return Ok(v);
            }
        }
        match (a, op, b) {
            (Value::Int(_) | Value::Bool(_) | Value::Big(_), BinOp::Div, _) if is_int(b) => {}
            (Value::Str(x), BinOp::Add, Value::Str(y)) => {
                crate::memory::reserve(x.s.len() + y.s.len())?;
                let mut s = String::with_capacity(x.s.len() + y.s.len());
                s.push_str(&x.s);
                s.push_str(&y.s);
                return Ok(Value::string(s));
            }
            (Value::Str(x), BinOp::Mul, n) | (n, BinOp::Mul, Value::Str(x)) if is_int(n) => {
                let k = match n {
                    Value::Int(i) => *i,
                    Value::Bool(b) => *b as i64,
                    _ => {
                        return Err(overflow_error(
                            "cannot fit 'int' into an index-sized integer",
                        ));
                    }
                };
                if k <= 0 {
                    return Ok(Value::str(""));
                }
                if (x.s.len() as u128) * (k as u128) > 1 << 31 {
                    return Err(exc("MemoryError", ""));
                }
                crate::memory::reserve(x.s.len() * k as usize)?;
                return Ok(Value::string(x.s.repeat(k as usize)));
            }
            (Value::Str(f), BinOp::Mod, args) => {
                let s = crate::builtins::percent_format(self, &f.s, args)?;
                return Ok(Value::string(s));
            }
            (Value::List(x), BinOp::Add, Value::List(y)) => {
                if inplace {
                    let items = y.borrow().clone();
                    x.borrow_mut().extend(items);
                    return Ok(a.clone());
                }
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                return Ok(Value::list(v));
            }
            (Value::List(x), BinOp::Add, other) if inplace && self.is_iterable(other) => {
                let items = self.collect(other)?;
                x.borrow_mut().extend(items);
                return Ok(a.clone());
            }
            (Value::Tuple(x), BinOp::Add, Value::Tuple(y)) => {
                let mut v = (**x).clone();
                v.extend(y.iter().cloned());
                return Ok(Value::tuple(v));
            }
            (Value::List(x), BinOp::Mul, n) | (n, BinOp::Mul, Value::List(x)) if is_int(n) => {
                let items = x.borrow().clone();
                let v = seq_repeat(&items, n)?;
                if inplace && matches!(a, Value::List(_)) {
                    *x.borrow_mut() = v;
                    return Ok(a.clone());
                }
                return Ok(Value::list(v));
            }
            (Value::Tuple(x), BinOp::Mul, n) | (n, BinOp::Mul, Value::Tuple(x)) if is_int(n) => {
                return Ok(Value::tuple(seq_repeat(x, n)?));
            }
            (
                Value::Set(_) | Value::FrozenSet(_),
                BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor,
                Value::Set(_) | Value::FrozenSet(_),
            ) => {
                let r = match op {
                    BinOp::BitOr => crate::builtins::set_union(self, a, b)?,
                    BinOp::BitAnd => crate::builtins::set_intersection(self, a, b)?,
                    BinOp::Sub => crate::builtins::set_difference(self, a, b)?,
                    _ => crate::builtins::set_symmetric_difference(self, a, b)?,
                };
                if inplace && let (Value::Set(x), Value::Set(y)) = (a, &r) {
                    let d = y.borrow().clone();
                    *x.borrow_mut() = d;
                    return Ok(a.clone());
                }
                return Ok(r);
            }
            (_, BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, _)
                if is_set_view(a) || is_set_view(b) =>
            {
                // Keys and items views act as sets (any iterable on the other side) and
                // always give a new set, even for `|=` on a set.
                let set = Value::Class(crate::types::types().set.clone());
                let x = self.call1(&set, a.clone())?;
                let r = match op {
                    BinOp::BitOr => crate::builtins::set_union(self, &x, b)?,
                    BinOp::BitAnd => crate::builtins::set_intersection(self, &x, b)?,
                    BinOp::Sub => crate::builtins::set_difference(self, &x, b)?,
                    _ => crate::builtins::set_symmetric_difference(self, &x, b)?,
                };
                return Ok(r);
            }
            (Value::Dict(x), BinOp::BitOr, Value::Dict(y)) => {
                let target = if inplace {
                    x.clone()
                } else {
                    let d = Rc::new(std::cell::RefCell::new(x.borrow().clone()));
                    crate::gc::track_dict(&d);
                    d
                };
                let items: Vec<(Value, Value)> = y
                    .borrow()
                    .iter()
                    .map(|e| (e.key.clone(), e.value.clone()))
                    .collect();
                for (k, v) in items {
                    self.dict_set(&target, k, v)?;
                }
                return Ok(Value::Dict(target));
            }
            _ => {}
        }
        // The dunder protocol.
        let (name, rname, iname) = dunder(op);
        if inplace
            && let Value::Instance(_) = a
            && let Some(m) = self.lookup_method(a, iname)?
        {
            let r = self.call(&m, CallArgs::new(smallvec::smallvec![a.clone(), b.clone()]))?;
            if !is_not_implemented(&r) {
                return Ok(r);
            }
        }
        let a_inst = matches!(a, Value::Instance(_));
        let b_inst = matches!(b, Value::Instance(_));
        // A subclass's reflected method goes first.
        let b_first = b_inst && a_inst && {
            let (ta, tb) = (types::type_of(a), types::type_of(b));
            !Rc::ptr_eq(&ta, &tb) && tb.is_subclass(&ta)
        };
        if b_first && let Some(m) = self.lookup_method(b, rname)? {
            let r = self.call(&m, CallArgs::new(smallvec::smallvec![b.clone(), a.clone()]))?;
            if !is_not_implemented(&r) {
                return Ok(r);
            }
        }
        if a_inst && let Some(m) = self.lookup_method(a, name)? {
            let r = self.call(&m, CallArgs::new(smallvec::smallvec![a.clone(), b.clone()]))?;
            if !is_not_implemented(&r) {
                return Ok(r);
            }
        }
        if b_inst
            && !b_first
            && let Some(m) = self.lookup_method(b, rname)?
        {
            let r = self.call(&m, CallArgs::new(smallvec::smallvec![b.clone(), a.clone()]))?;
            if !is_not_implemented(&r) {
                return Ok(r);
            }
        }
        if op == BinOp::Add && matches!(a, Value::Str(_)) {
            return Err(type_error(format!(
                "can only concatenate str (not \"{}\") to str",
                type_name(b)
            )));
        }
        if op == BinOp::Add && matches!(a, Value::List(_)) {
            return Err(type_error(format!(
                "can only concatenate list (not \"{}\") to list",
                type_name(b)
            )));
        }
        if op == BinOp::Add && matches!(a, Value::Tuple(_)) {
            return Err(type_error(format!(
                "can only concatenate tuple (not \"{}\") to tuple",
                type_name(b)
            )));
        }
        if op == BinOp::Mul
            && matches!(a, Value::Str(_) | Value::List(_) | Value::Tuple(_))
            && !is_num(b)
        {
            return Err(type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                type_name(b)
            )));
        }
        if op == BinOp::Mul
            && matches!(b, Value::Str(_) | Value::List(_) | Value::Tuple(_))
            && matches!(a, Value::Float(_))
        {
            return Err(type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                type_name(a)
            )));
        }
        let sym = if inplace {
            match op {
                BinOp::Pow => "**=".to_string(),
                _ => format!("{}=", binop_symbol(op)),
            }
        } else {
            binop_symbol(op).to_string()
        };
        Err(type_error(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            sym,
            type_name(a),
            type_name(b)
        )))
    }

    pub(super) fn unary_op(&mut self, op: UnaryOp, a: &Value) -> PyResult<Value> {
        match (op, a) {
            (UnaryOp::Neg, Value::Int(i)) => Ok(i
                .checked_neg()
                .map(Value::Int)
                .unwrap_or_else(|| Value::big(-BigInt::from(*i)))),
            (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
            (UnaryOp::Neg, Value::Big(b)) => Ok(Value::big(-(**b).clone())),
            (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnaryOp::Pos, Value::Int(_) | Value::Big(_) | Value::Float(_)) => Ok(a.clone()),
            (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
            (UnaryOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
            (UnaryOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i64))),
            (UnaryOp::Invert, Value::Big(b)) => Ok(Value::big(-(**b).clone() - 1)),
            (UnaryOp::Not, _) => Ok(Value::Bool(!self.truthy(a)?)),
            _ => {
                let name = match op {
                    UnaryOp::Neg => "__neg__",
                    UnaryOp::Pos => "__pos__",
                    UnaryOp::Invert => "__invert__",
                    UnaryOp::Not => "__bool__",
                };
                if let Value::Instance(_) = a
                    && let Some(m) = self.lookup_method(a, name)?
                {
                    return self.call1(&m, a.clone());
                }
                let sym = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Pos => "+",
                    UnaryOp::Invert => "~",
                    UnaryOp::Not => "not",
                };
                Err(type_error(format!(
                    "bad operand type for unary {}: '{}'",
                    sym,
                    type_name(a)
                )))
            }
        }
    }

    /// Structural equality for built-in values; `None` when a dunder must decide.
    pub(super) fn builtin_eq(&mut self, a: &Value, b: &Value) -> PyResult<Option<bool>> {
        Ok(Some(match (a, b) {
            (Value::None, Value::None) => true,
            (Value::Str(x), Value::Str(y)) => x.s == y.s,
            (x, y) if is_num(x) && is_num(y) => num_cmp(x, y) == Some(std::cmp::Ordering::Equal),
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(Some(true));
                }
                let (xv, yv) = (x.borrow().clone(), y.borrow().clone());
                self.seq_eq(&xv, &yv)?
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                self.seq_eq(&x, &y)?
            }
            (Value::Dict(x), Value::Dict(y)) => {
                if x.borrow().len() != y.borrow().len() {
                    return Ok(Some(false));
                }
                let items: Vec<(Value, Value)> = x
                    .borrow()
                    .iter()
                    .map(|e| (e.key.clone(), e.value.clone()))
                    .collect();
                for (k, v) in items {
                    match self.dict_get(y, &k)? {
                        Some(w) => {
                            if !self.eq(&v, &w)? {
                                return Ok(Some(false));
                            }
                        }
                        None => return Ok(Some(false)),
                    }
                }
                true
            }
            (Value::Set(_) | Value::FrozenSet(_), Value::Set(_) | Value::FrozenSet(_)) => {
                let (x, y) = (set_dict(a), set_dict(b));
                if x.len() != y.len() {
                    return Ok(Some(false));
                }
                for k in x {
                    if !self.contains(b, &k)? {
                        return Ok(Some(false));
                    }
                }
                true
            }
            (Value::Range(x), Value::Range(y)) => {
                let (lx, ly) = (x.len(), y.len());
                lx == ly && (lx == 0 || (x.start == y.start && (lx == 1 || x.step == y.step)))
            }
            (Value::Instance(_), _) | (_, Value::Instance(_)) => return Ok(None),
            (Value::Iter(_), _) | (_, Value::Iter(_)) if is_set_view(a) || is_set_view(b) => {
                return crate::builtins::set_compare(self, a, b, CmpOp::Eq);
            }
            _ => a.is(b),
        }))
    }

    fn seq_eq(&mut self, x: &[Value], y: &[Value]) -> PyResult<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !p.is(q) && !self.eq(p, q)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Rich comparison through dunders (`__eq__`, `__lt__`, ...) with the reflected fallback.
    pub(super) fn rich_compare(&mut self, a: &Value, b: &Value, op: CmpOp) -> PyResult<Value> {
        let (name, reflected) = match op {
            CmpOp::Eq => ("__eq__", "__eq__"),
            CmpOp::NotEq => ("__ne__", "__ne__"),
            CmpOp::Lt => ("__lt__", "__gt__"),
            CmpOp::LtE => ("__le__", "__ge__"),
            CmpOp::Gt => ("__gt__", "__lt__"),
            CmpOp::GtE => ("__ge__", "__le__"),
            _ => {
                return Err(type_error(
                    "identity and membership are not rich comparisons",
                ));
            }
        };
        if let Value::Instance(_) = a
            && let Some(m) = self.lookup_method(a, name)?
        {
            let r = self.call2(&m, a.clone(), b.clone())?;
            if !is_not_implemented(&r) {
                return Ok(r);
            }
        }
        if let Value::Instance(_) = b
            && let Some(m) = self.lookup_method(b, reflected)?
        {
            let r = self.call2(&m, b.clone(), a.clone())?;
            if !is_not_implemented(&r) {
                return Ok(r);
            }
        }
        match op {
            CmpOp::Eq => Ok(Value::Bool(a.is(b))),
            CmpOp::NotEq => {
                // __ne__ defaults to the inverse of __eq__.
                if let Value::Instance(_) = a
                    && let Some(m) = self.lookup_method(a, "__eq__")?
                {
                    let r = self.call2(&m, a.clone(), b.clone())?;
                    if !is_not_implemented(&r) {
                        return Ok(Value::Bool(!self.truthy(&r)?));
                    }
                }
                Ok(Value::Bool(!a.is(b)))
            }
            _ => Err(type_error(format!(
                "'{}' not supported between instances of '{}' and '{}'",
                cmp_symbol(op),
                type_name(a),
                type_name(b)
            ))),
        }
    }

    /// Ordering of built-in values; `None` when not orderable natively.
    pub(super) fn builtin_order(
        &mut self,
        a: &Value,
        b: &Value,
    ) -> PyResult<Option<std::cmp::Ordering>> {
        Ok(match (a, b) {
            (x, y) if is_num(x) && is_num(y) => {
                let o = num_cmp(x, y);
                if o.is_none() {
                    // NaN: every ordering comparison is false.
                    return Ok(None);
                }
                o
            }
            (Value::Str(x), Value::Str(y)) => Some(x.s.cmp(&y.s)),
            (Value::List(x), Value::List(y)) => {
                let (xv, yv) = (x.borrow().clone(), y.borrow().clone());
                Some(self.seq_order(&xv, &yv)?)
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                Some(self.seq_order(&x, &y)?)
            }
            _ => None,
        })
    }

    /// `<`, `<=`, `>`, `>=` between sets, frozensets and dict keys/items views: subset and
    /// superset tests (a partial order, so no `Ordering`). None for other operands.
    pub(super) fn set_order(&mut self, a: &Value, b: &Value, op: CmpOp) -> PyResult<Option<bool>> {
        let setlike =
            |v: &Value| matches!(v, Value::Set(_) | Value::FrozenSet(_)) || is_set_view(v);
        if !setlike(a) || !setlike(b) {
            return Ok(None);
        }
        crate::builtins::set_compare(self, a, b, op)
    }

    fn seq_order(&mut self, x: &[Value], y: &[Value]) -> PyResult<std::cmp::Ordering> {
        for (p, q) in x.iter().zip(y) {
            if p.is(q) || self.eq(p, q)? {
                continue;
            }
            return Ok(if self.lt(p, q)? {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            });
        }
        Ok(x.len().cmp(&y.len()))
    }
}

/// A dict keys or items view (values views are not set-like).
pub(super) fn is_set_view(v: &Value) -> bool {
    match v {
        Value::Iter(it) => matches!(
            &*it.borrow(),
            IterObj::DictKeys { .. } | IterObj::DictItems { .. }
        ),
        _ => false,
    }
}

pub fn cmp_symbol(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "==",
        CmpOp::NotEq => "!=",
        CmpOp::Lt => "<",
        CmpOp::LtE => "<=",
        CmpOp::Gt => ">",
        CmpOp::GtE => ">=",
        CmpOp::Is => "is",
        CmpOp::IsNot => "is not",
        CmpOp::In => "in",
        CmpOp::NotIn => "not in",
    }
}

pub fn is_not_implemented(v: &Value) -> bool {
    match v {
        Value::Instance(i) => &*i.class.name == "NotImplementedType",
        Value::Str(_) => false,
        _ => false,
    }
}

/// Compare two numbers exactly (ints beyond f64 precision included); None for NaN.
pub fn num_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        _ if is_int(a) && is_int(b) => Some(to_big(a)?.cmp(&to_big(b)?)),
        (Value::Float(x), other) | (other, Value::Float(x)) => {
            let flip = matches!(b, Value::Float(_)) && !matches!(a, Value::Float(_));
            let y = to_big(other)?;
            let o = if x.is_nan() {
                return None;
            } else if x.is_infinite() {
                if *x > 0.0 {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                }
            } else {
                let fl = x.floor();
                let xb = BigInt::from_f64_exact(fl);
                match xb.cmp(&y) {
                    std::cmp::Ordering::Equal => {
                        if *x > fl {
                            std::cmp::Ordering::Greater
                        } else {
                            std::cmp::Ordering::Equal
                        }
                    }
                    o => o,
                }
            };
            Some(if flip { o.reverse() } else { o })
        }
        _ => None,
    }
}

trait FromF64Exact {
    fn from_f64_exact(f: f64) -> BigInt;
}

impl FromF64Exact for BigInt {
    fn from_f64_exact(f: f64) -> BigInt {
        num_traits::FromPrimitive::from_f64(f).unwrap_or_default()
    }
}

fn set_dict(v: &Value) -> Vec<Value> {
    match v {
        Value::Set(s) => s.borrow().keys(),
        Value::FrozenSet(s) => s.keys(),
        _ => Vec::new(),
    }
}
