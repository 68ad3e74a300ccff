//! The interface native code (built-ins, modules, the scheduler) uses to work with values.
//! Every operation that may run Python code (dunder methods) goes through here.

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;

use num_traits::ToPrimitive;

use super::Vm;
use crate::ast::{BinOp, CmpOp};
use crate::dict::Dict;
use crate::object::{CallArgs, Class, GenKind, IterObj, NativeObj, PyResult, RangeObj};
use crate::types::{self, exc, index_error, key_error, type_error, type_name};
use crate::value::Value;

/// Normalise a possibly negative index against `len`.
fn seq_index(i: &Value, len: usize, what: &str) -> PyResult<usize> {
    let i = match i {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::Big(_) => {
            return Err(index_error("cannot fit 'int' into an index-sized integer"));
        }
        other => {
            return Err(type_error(format!(
                "{what} indices must be integers or slices, not {}",
                type_name(other)
            )));
        }
    };
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if j < 0 || j >= len {
        return Err(index_error(format!("{what} index out of range")));
    }
    Ok(j as usize)
}

/// An index for `lst[i] = v` / `del lst[i]` (its own IndexError message).
fn list_assign_index(key: &Value, len: usize) -> PyResult<usize> {
    seq_index(key, len, "list").map_err(|e| {
        if types::exc_is(&e, "IndexError") {
            index_error("list assignment index out of range")
        } else {
            e
        }
    })
}

/// start, stop, step of a slice applied to a sequence of length `len`.
pub fn slice_indices(
    vm: &mut Vm,
    s: &crate::object::SliceObj,
    len: usize,
) -> PyResult<(i64, i64, i64)> {
    let get = |vm: &mut Vm, v: &Value| -> PyResult<Option<i64>> {
        match v {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(*i)),
            Value::Bool(b) => Ok(Some(*b as i64)),
            Value::Big(b) => Ok(Some(if b.sign() == num_bigint::Sign::Minus {
                i64::MIN / 2
            } else {
                i64::MAX / 2
            })),
            Value::Instance(_) => {
                let r = vm.call_method(v, "__index__", CallArgs::default())?;
                match r {
                    Value::Int(i) => Ok(Some(i)),
                    _ => Err(type_error("__index__ returned non-int")),
                }
            }
            _ => Err(type_error(
                "slice indices must be integers or None or have an __index__ method",
            )),
        }
    };
    let len = len as i64;
    let step = get(vm, &s.step)?.unwrap_or(1);
    if step == 0 {
        return Err(exc("ValueError", "slice step cannot be zero"));
    }
    let (lo, hi) = if step < 0 { (-1, len - 1) } else { (0, len) };
    let norm = |x: Option<i64>, default: i64| match x {
        None => default,
        Some(v) if v < 0 => (v + len).max(lo),
        Some(v) => v.min(hi),
    };
    let start = norm(get(vm, &s.start)?, if step < 0 { hi } else { lo });
    let stop = norm(get(vm, &s.stop)?, if step < 0 { lo } else { hi });
    Ok((start, stop, step))
}

fn slice_positions(start: i64, stop: i64, step: i64) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = start;
    if step > 0 {
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else {
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a: stable across runs, so set iteration order is reproducible.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    if h == u64::MAX { h - 1 } else { h }
}

fn hash_int(i: i64) -> u64 {
    // Python: hash(n) == n for small n, and hash(-1) == -2.
    let m = (1i64 << 61) - 1;
    let r = i.rem_euclid(m);
    let r = if i < 0 { -((-i).rem_euclid(m)) } else { r };
    (if r == -1 { -2 } else { r }) as u64
}

fn hash_float(f: f64) -> u64 {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return hash_int(f as i64);
    }
    f.to_bits().wrapping_mul(0x9E3779B97F4A7C15)
}

impl Vm {
    /// Call any callable with arguments (runs Python code to completion in a nested loop).
    pub fn call(&mut self, f: &Value, mut args: CallArgs) -> PyResult<Value> {
        match f {
            Value::Builtin(b) => {
                if let Some(r) = &b.bound {
                    args.pos.insert(0, r.clone());
                }
                (b.func)(self, args)
            }
            Value::Func(func) => {
                let func = func.clone();
                self.call_function_nested(&func, args)
            }
            Value::Bound(_) | Value::Native(_) => match self.unwrap_callable(f, &mut args) {
                Some(inner) => self.call(&inner, args),
                None => Err(type_error(format!(
                    "'{}' object is not callable",
                    type_name(f)
                ))),
            },
            Value::Class(c) => {
                if let Some(new) = c.lookup("__new__") {
                    args.pos.insert(0, f.clone());
                    // A Python-level `__new__` is a staticmethod: call the function inside.
                    let target = match &new {
                        Value::Native(n) => match &**n {
                            NativeObj::StaticMethod(g) => g.clone(),
                            _ => new.clone(),
                        },
                        _ => new.clone(),
                    };
                    let inst = self.call(&target, args.clone_shallow())?;
                    if c.layout != crate::object::Layout::Native
                        && let Value::Instance(i) = &inst
                        && i.class.is_subclass(c)
                    {
                        args.pos.remove(0);
                        self.init_instance(c, &inst, args)?;
                    }
                    return Ok(inst);
                }
                let inst = Value::instance(self.new_instance(c, &args)?);
                self.init_instance(c, &inst, args)?;
                Ok(inst)
            }
            Value::Instance(i) => match i.class.lookup("__call__") {
                Some(m) => {
                    args.pos.insert(0, f.clone());
                    self.call(&m, args)
                }
                None => Err(type_error(format!(
                    "'{}' object is not callable",
                    i.class.name
                ))),
            },
            _ => Err(type_error(format!(
                "'{}' object is not callable",
                type_name(f)
            ))),
        }
    }

    pub fn call0(&mut self, f: &Value) -> PyResult<Value> {
        self.call(f, CallArgs::default())
    }

    pub fn call1(&mut self, f: &Value, a: Value) -> PyResult<Value> {
        self.call(f, CallArgs::new(smallvec::smallvec![a]))
    }

    pub fn call2(&mut self, f: &Value, a: Value, b: Value) -> PyResult<Value> {
        self.call(f, CallArgs::new(smallvec::smallvec![a, b]))
    }

    /// Call method `name` of `obj` (looked up like `obj.name(...)`).
    pub fn call_method(&mut self, obj: &Value, name: &str, mut args: CallArgs) -> PyResult<Value> {
        if let Some(m) = self.lookup_method(obj, name)? {
            args.pos.insert(0, obj.clone());
            return self.call(&m, args);
        }
        let m = self.getattr(obj, name)?;
        self.call(&m, args)
    }

    /// A special method looked up on the type, bound to `obj` (TypeError naming the protocol).
    pub(super) fn special_method(
        &mut self,
        obj: &Value,
        name: &str,
        protocol: &str,
    ) -> PyResult<Value> {
        match self.getattr_impl(obj, name)? {
            Some(m) => Ok(m),
            None => Err(type_error(format!(
                "'{}' object does not support {protocol}",
                type_name(obj)
            ))),
        }
    }

    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        self.repr_impl(v, 0)
    }

    pub fn to_str(&mut self, v: &Value) -> PyResult<String> {
        self.str_impl(v)
    }

    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        Ok(match v {
            Value::None | Value::Undef => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Big(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::FrozenSet(d) => !d.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__bool__") {
                    let r = self.call1(&m, v.clone())?;
                    return match r {
                        Value::Bool(b) => Ok(b),
                        other => Err(type_error(format!(
                            "__bool__ should return bool, returned {}",
                            type_name(&other)
                        ))),
                    };
                }
                if let Some(m) = i.class.lookup("__len__") {
                    let r = self.call1(&m, v.clone())?;
                    return Ok(!matches!(r, Value::Int(0)));
                }
                true
            }
            Value::Iter(it) => match &*it.borrow() {
                IterObj::DictKeys { dict, .. }
                | IterObj::DictValues { dict, .. }
                | IterObj::DictItems { dict, .. } => match dict {
                    Value::Dict(d) => !d.borrow().is_empty(),
                    _ => true,
                },
                _ => true,
            },
            _ => true,
        })
    }

    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if let Some(r) = self.builtin_eq(a, b)? {
            return Ok(r);
        }
        let r = self.rich_compare(a, b, CmpOp::Eq)?;
        self.truthy(&r)
    }

    pub fn lt(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if let Some(o) = self.builtin_order(a, b)? {
            return Ok(o == std::cmp::Ordering::Less);
        }
        if let Some(r) = self.set_order(a, b, CmpOp::Lt)? {
            return Ok(r);
        }
        if super::ops::num_cmp(a, b).is_none()
            && matches!((a, b), (Value::Float(_), _) | (_, Value::Float(_)))
            && !matches!(a, Value::Instance(_))
            && !matches!(b, Value::Instance(_))
            && matches!(
                a,
                Value::Float(_) | Value::Int(_) | Value::Big(_) | Value::Bool(_)
            )
            && matches!(
                b,
                Value::Float(_) | Value::Int(_) | Value::Big(_) | Value::Bool(_)
            )
        {
            return Ok(false);
        }
        let r = self.rich_compare(a, b, CmpOp::Lt)?;
        self.truthy(&r)
    }

    pub fn compare(&mut self, a: &Value, b: &Value, op: CmpOp) -> PyResult<Value> {
        use std::cmp::Ordering::*;
        match op {
            CmpOp::Is => return Ok(Value::Bool(a.is(b))),
            CmpOp::IsNot => return Ok(Value::Bool(!a.is(b))),
            CmpOp::In => return Ok(Value::Bool(self.contains(b, a)?)),
            CmpOp::NotIn => return Ok(Value::Bool(!self.contains(b, a)?)),
            CmpOp::Eq | CmpOp::NotEq => {
                if let Some(r) = self.builtin_eq(a, b)? {
                    return Ok(Value::Bool(r == (op == CmpOp::Eq)));
                }
                return self.rich_compare(a, b, op);
            }
            _ => {}
        }
        let nums = matches!(
            a,
            Value::Float(_) | Value::Int(_) | Value::Big(_) | Value::Bool(_)
        ) && matches!(
            b,
            Value::Float(_) | Value::Int(_) | Value::Big(_) | Value::Bool(_)
        );
        if nums && super::ops::num_cmp(a, b).is_none() {
            return Ok(Value::Bool(false));
        }
        if let Some(r) = self.set_order(a, b, op)? {
            return Ok(Value::Bool(r));
        }
        if let Some(o) = self.builtin_order(a, b)? {
            return Ok(Value::Bool(match op {
                CmpOp::Lt => o == Less,
                CmpOp::LtE => o != Greater,
                CmpOp::Gt => o == Greater,
                _ => o != Less,
            }));
        }
        self.rich_compare(a, b, op)
    }

    pub fn binary(&mut self, a: &Value, op: BinOp, b: &Value) -> PyResult<Value> {
        self.binary_op(a, op, b, false)
    }

    pub fn hash(&mut self, v: &Value) -> PyResult<u64> {
        Ok(match v {
            Value::None => 0x5a5a_1234,
            Value::Bool(b) => *b as u64,
            Value::Int(i) => hash_int(*i),
            Value::Big(b) => {
                let m = num_bigint::BigInt::from((1i64 << 61) - 1);
                let r = (&**b % &m).to_i64().unwrap_or(0);
                hash_int(r)
            }
            Value::Float(f) => hash_float(*f),
            Value::Str(s) => hash_str(&s.s),
            Value::Tuple(t) => {
                let mut h: u64 = 0x345678;
                for x in t.iter() {
                    h = (h ^ self.hash(x)?).wrapping_mul(1000003);
                }
                h
            }
            Value::FrozenSet(s) => {
                let mut h: u64 = 0;
                for k in s.keys() {
                    h ^= self.hash(&k)?.wrapping_mul(0x9E3779B97F4A7C15);
                }
                h
            }
            Value::List(_) | Value::Dict(_) | Value::Set(_) => {
                return Err(type_error(format!("unhashable type: '{}'", type_name(v))));
            }
            Value::Range(r) => hash_int(r.start ^ (r.stop << 8) ^ (r.step << 16)),
            Value::Instance(i) => {
                if let Some(h) = i.class.lookup("__hash__") {
                    if h.is_none() {
                        return Err(type_error(format!("unhashable type: '{}'", i.class.name)));
                    }
                    let r = self.call1(&h, v.clone())?;
                    return match r {
                        Value::Int(x) => Ok(hash_int(x)),
                        Value::Big(_) => self.hash(&r),
                        _ => Err(type_error("__hash__ method should return an integer")),
                    };
                }
                if i.class.lookup("__eq__").is_some() {
                    return Err(type_error(format!("unhashable type: '{}'", i.class.name)));
                }
                (v.id() as u64) >> 4
            }
            _ => (v.id() as u64) >> 4,
        })
    }

    pub fn iter(&mut self, v: &Value) -> PyResult<Value> {
        let it = match v {
            Value::List(_) | Value::Tuple(_) => IterObj::Seq {
                seq: v.clone(),
                idx: 0,
            },
            Value::Str(s) => IterObj::Str {
                s: s.clone(),
                byte: 0,
            },
            Value::Range(r) => IterObj::Range {
                cur: r.start,
                stop: r.stop,
                step: r.step,
            },
            Value::Dict(d) => IterObj::DictKeys {
                dict: v.clone(),
                idx: 0,
                len: d.borrow().len(),
            },
            Value::Set(d) => IterObj::Seq {
                seq: Value::tuple(d.borrow().keys()),
                idx: 0,
            },
            Value::FrozenSet(d) => IterObj::Seq {
                seq: Value::tuple(d.keys()),
                idx: 0,
            },
            Value::Iter(it) => {
                // Dict views iterate afresh; plain iterators return themselves.
                let fresh = match &*it.borrow() {
                    IterObj::DictKeys { dict, idx: 0, .. } => Some(IterObj::DictKeys {
                        dict: dict.clone(),
                        idx: 0,
                        len: dict_len(dict),
                    }),
                    IterObj::DictValues { dict, idx: 0, .. } => Some(IterObj::DictValues {
                        dict: dict.clone(),
                        idx: 0,
                        len: dict_len(dict),
                    }),
                    IterObj::DictItems { dict, idx: 0, .. } => Some(IterObj::DictItems {
                        dict: dict.clone(),
                        idx: 0,
                        len: dict_len(dict),
                    }),
                    _ => None,
                };
                match fresh {
                    Some(f) => f,
                    None => return Ok(v.clone()),
                }
            }
            Value::Gen(g) if g.kind == GenKind::Generator => return Ok(v.clone()),
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__iter__") {
                    let r = self.call1(&m, v.clone())?;
                    if !self.is_iterator(&r) {
                        return Err(type_error(format!(
                            "iter() returned non-iterator of type '{}'",
                            type_name(&r)
                        )));
                    }
                    return Ok(r);
                }
                if i.class.lookup("__getitem__").is_some() {
                    IterObj::Seq {
                        seq: v.clone(),
                        idx: 0,
                    }
                } else {
                    return Err(type_error(format!(
                        "'{}' object is not iterable",
                        i.class.name
                    )));
                }
            }
            Value::Native(n) => {
                if let NativeObj::Async(a) = &**n
                    && let Some(it) = crate::scheduler::iter(self, v, a)?
                {
                    return Ok(it);
                }
                return Err(type_error(format!(
                    "'{}' object is not iterable",
                    type_name(v)
                )));
            }
            _ => {
                return Err(type_error(format!(
                    "'{}' object is not iterable",
                    type_name(v)
                )));
            }
        };
        Ok(Value::iter(it))
    }

    fn is_iterator(&self, v: &Value) -> bool {
        match v {
            Value::Iter(_) | Value::Gen(_) => true,
            Value::Instance(i) => i.class.lookup("__next__").is_some(),
            Value::Native(_) => true,
            _ => false,
        }
    }

    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        match it {
            Value::Iter(cell) => self.next_native(cell),
            Value::Gen(g) => {
                if g.kind != GenKind::Generator {
                    return Err(type_error(format!(
                        "'{}' object is not an iterator",
                        type_name(it)
                    )));
                }
                let g = g.clone();
                match self.gen_resume(&g, Value::None, None)? {
                    super::GenStep::Yielded(v) => Ok(Some(v)),
                    super::GenStep::Returned(_) => Ok(None),
                }
            }
            Value::Instance(i) => {
                let Some(m) = i.class.lookup("__next__") else {
                    return Err(type_error(format!(
                        "'{}' object is not an iterator",
                        i.class.name
                    )));
                };
                match self.call1(&m, it.clone()) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if types::exc_is(&e, "StopIteration") => Ok(None),
                    Err(e) => Err(e),
                }
            }
            _ => Err(type_error(format!(
                "'{}' object is not an iterator",
                type_name(it)
            ))),
        }
    }

    fn next_native(&mut self, cell: &Rc<RefCell<IterObj>>) -> PyResult<Option<Value>> {
        let mut st = cell.borrow_mut();
        match &mut *st {
            IterObj::Seq { seq, idx } => {
                let r = match seq {
                    Value::List(l) => l.borrow().get(*idx).cloned(),
                    Value::Tuple(t) => t.get(*idx).cloned(),
                    Value::Instance(_) => {
                        let seq = seq.clone();
                        let i = *idx;
                        drop(st);
                        let r = match self.getitem(&seq, &Value::Int(i as i64)) {
                            Ok(v) => Some(v),
                            Err(e)
                                if types::exc_is(&e, "IndexError")
                                    || types::exc_is(&e, "StopIteration") =>
                            {
                                None
                            }
                            Err(e) => return Err(e),
                        };
                        if let IterObj::Seq { idx, .. } = &mut *cell.borrow_mut() {
                            *idx += 1;
                        }
                        return Ok(r);
                    }
                    _ => None,
                };
                *idx += 1;
                Ok(r)
            }
            IterObj::Range { cur, stop, step } => {
                if (*step > 0 && *cur < *stop) || (*step < 0 && *cur > *stop) {
                    let v = *cur;
                    *cur = cur.saturating_add(*step);
                    Ok(Some(Value::Int(v)))
                } else {
                    Ok(None)
                }
            }
            IterObj::Str { s, byte } => {
                let rest = &s.s[*byte..];
                match rest.chars().next() {
                    Some(c) => {
                        *byte += c.len_utf8();
                        Ok(Some(Value::string(c.to_string())))
                    }
                    None => Ok(None),
                }
            }
            IterObj::DictKeys { dict, idx, len }
            | IterObj::DictValues { dict, idx, len }
            | IterObj::DictItems { dict, idx, len } => {
                let Value::Dict(d) = dict else {
                    return Ok(None);
                };
                let d = d.borrow();
                if d.len() != *len {
                    return Err(types::runtime_error(
                        "dictionary changed size during iteration",
                    ));
                }
                loop {
                    match d.slot(*idx) {
                        None => return Ok(None),
                        Some(None) => *idx += 1,
                        Some(Some(e)) => {
                            *idx += 1;
                            let (k, v) = (e.key.clone(), e.value.clone());
                            drop(d);
                            return Ok(Some(match &*st {
                                IterObj::DictKeys { .. } => k,
                                IterObj::DictValues { .. } => v,
                                _ => Value::tuple(vec![k, v]),
                            }));
                        }
                    }
                }
            }
            IterObj::Enumerate { it, n } => {
                let (it, cur) = (it.clone(), n.clone());
                drop(st);
                match self.next(&it)? {
                    Some(v) => {
                        let next = self.binary(&cur, BinOp::Add, &Value::Int(1))?;
                        if let IterObj::Enumerate { n, .. } = &mut *cell.borrow_mut() {
                            *n = next;
                        }
                        Ok(Some(Value::tuple(vec![cur, v])))
                    }
                    None => Ok(None),
                }
            }
            IterObj::Zip { its, strict } => {
                let (its, strict) = (its.clone(), *strict);
                drop(st);
                let mut out = Vec::with_capacity(its.len());
                for (i, it) in its.iter().enumerate() {
                    match self.next(it)? {
                        Some(v) => out.push(v),
                        None => {
                            if strict && (i > 0 || its.len() > 1 && self.next(&its[1])?.is_some()) {
                                return Err(exc(
                                    "ValueError",
                                    format!("zip() argument {} is shorter than argument 1", i + 1),
                                ));
                            }
                            *cell.borrow_mut() = IterObj::Exhausted;
                            return Ok(None);
                        }
                    }
                }
                if its.is_empty() {
                    return Ok(None);
                }
                Ok(Some(Value::tuple(out)))
            }
            IterObj::Map { func, its } => {
                let (func, its) = (func.clone(), its.clone());
                drop(st);
                let mut args = CallArgs::default();
                for it in &its {
                    match self.next(it)? {
                        Some(v) => args.pos.push(v),
                        None => return Ok(None),
                    }
                }
                self.call(&func, args).map(Some)
            }
            IterObj::Filter { func, it } => {
                let (func, it) = (func.clone(), it.clone());
                drop(st);
                loop {
                    let Some(v) = self.next(&it)? else {
                        return Ok(None);
                    };
                    let keep = if func.is_none() {
                        self.truthy(&v)?
                    } else {
                        let r = self.call1(&func, v.clone())?;
                        self.truthy(&r)?
                    };
                    if keep {
                        return Ok(Some(v));
                    }
                }
            }
            IterObj::Reversed { seq, idx } => {
                if *idx == 0 {
                    return Ok(None);
                }
                *idx -= 1;
                let (seq, i) = (seq.clone(), *idx);
                drop(st);
                self.getitem(&seq, &Value::Int(i as i64)).map(Some)
            }
            IterObj::Callable { func, sentinel } => {
                let (func, sentinel) = (func.clone(), sentinel.clone());
                drop(st);
                let v = self.call0(&func)?;
                if self.eq(&v, &sentinel)? {
                    *cell.borrow_mut() = IterObj::Exhausted;
                    return Ok(None);
                }
                Ok(Some(v))
            }
            IterObj::Count { cur, step } => {
                let (c, s) = (cur.clone(), step.clone());
                drop(st);
                let next = self.binary(&c, BinOp::Add, &s)?;
                if let IterObj::Count { cur, .. } = &mut *cell.borrow_mut() {
                    *cur = next;
                }
                Ok(Some(c))
            }
            IterObj::Exhausted => Ok(None),
        }
    }

    pub fn collect(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        match v {
            Value::List(l) => return Ok(l.borrow().clone()),
            Value::Tuple(t) => return Ok((**t).clone()),
            Value::Range(r) => {
                if r.len() > 1 << 28 {
                    return Err(exc("MemoryError", ""));
                }
                crate::memory::reserve(r.len().max(0) as usize * std::mem::size_of::<Value>())?;
                let mut out = Vec::with_capacity(r.len().max(0) as usize);
                let mut i = r.start;
                while (r.step > 0 && i < r.stop) || (r.step < 0 && i > r.stop) {
                    out.push(Value::Int(i));
                    i += r.step;
                }
                return Ok(out);
            }
            _ => {}
        }
        let it = self.iter(v)?;
        let mut out = Vec::new();
        while let Some(x) = self.next(&it)? {
            out.push(x);
        }
        Ok(out)
    }

    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        Ok(match v {
            Value::Str(s) => s.char_len(),
            Value::List(l) => l.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) | Value::Set(d) => d.borrow().len(),
            Value::FrozenSet(d) => d.len(),
            Value::Range(r) => r.len().max(0) as usize,
            Value::Iter(it) => match &*it.borrow() {
                IterObj::DictKeys { dict, .. }
                | IterObj::DictValues { dict, .. }
                | IterObj::DictItems { dict, .. } => dict_len(dict),
                _ => {
                    return Err(type_error(format!(
                        "object of type '{}' has no len()",
                        type_name(v)
                    )));
                }
            },
            Value::Instance(i) => {
                let Some(m) = i.class.lookup("__len__") else {
                    return Err(type_error(format!(
                        "object of type '{}' has no len()",
                        i.class.name
                    )));
                };
                match self.call1(&m, v.clone())? {
                    Value::Int(n) if n >= 0 => n as usize,
                    Value::Int(_) => return Err(exc("ValueError", "__len__() should return >= 0")),
                    other => {
                        return Err(type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            type_name(&other)
                        )));
                    }
                }
            }
            Value::Native(n) => match &**n {
                NativeObj::Async(a) => crate::scheduler::len(a).ok_or_else(|| {
                    type_error(format!("object of type '{}' has no len()", type_name(v)))
                })?,
                _ => {
                    return Err(type_error(format!(
                        "object of type '{}' has no len()",
                        type_name(v)
                    )));
                }
            },
            _ => {
                return Err(type_error(format!(
                    "object of type '{}' has no len()",
                    type_name(v)
                )));
            }
        })
    }

    pub fn contains(&mut self, container: &Value, item: &Value) -> PyResult<bool> {
        match container {
            Value::Str(s) => match item {
                Value::Str(x) => Ok(s.s.contains(&*x.s)),
                other => Err(type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    type_name(other)
                ))),
            },
            Value::Dict(d) | Value::Set(d) => Ok(self.dict_get(d, item)?.is_some()),
            Value::FrozenSet(d) => {
                let d = RefCell::new((**d).clone());
                Ok(self.dict_get(&d, item)?.is_some())
            }
            Value::Range(r) => Ok(match item {
                Value::Int(i) => {
                    let i = *i;
                    if r.step > 0 {
                        i >= r.start && i < r.stop && (i - r.start) % r.step == 0
                    } else {
                        i <= r.start && i > r.stop && (r.start - i) % (-r.step) == 0
                    }
                }
                _ => {
                    let items = self.collect(container)?;
                    return self.seq_contains(&items, item);
                }
            }),
            Value::List(l) => {
                let items = l.borrow().clone();
                self.seq_contains(&items, item)
            }
            Value::Tuple(t) => {
                let t = t.clone();
                self.seq_contains(&t, item)
            }
            Value::Iter(it)
                if matches!(
                    &*it.borrow(),
                    IterObj::DictKeys { .. }
                        | IterObj::DictItems { .. }
                        | IterObj::DictValues { .. }
                ) =>
            {
                let (dict, which) = match &*it.borrow() {
                    IterObj::DictKeys { dict, .. } => (dict.clone(), 0),
                    IterObj::DictValues { dict, .. } => (dict.clone(), 1),
                    IterObj::DictItems { dict, .. } => (dict.clone(), 2),
                    _ => (Value::None, 0),
                };
                if which == 0 {
                    return self.contains(&dict, item);
                }
                let items = self.collect(container)?;
                self.seq_contains(&items, item)
            }
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__contains__") {
                    let r = self.call2(&m, container.clone(), item.clone())?;
                    return self.truthy(&r);
                }
                let it = self.iter(container)?;
                while let Some(x) = self.next(&it)? {
                    if x.is(item) || self.eq(&x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => {
                if !self.is_iterable(container) {
                    return Err(type_error(format!(
                        "argument of type '{}' is not iterable",
                        type_name(container)
                    )));
                }
                let items = self.collect(container)?;
                self.seq_contains(&items, item)
            }
        }
    }

    fn seq_contains(&mut self, items: &[Value], item: &Value) -> PyResult<bool> {
        for x in items {
            if x.is(item) || self.eq(x, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub fn getattr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        match self.getattr_impl(obj, name)? {
            Some(v) => Ok(v),
            None => Err(self.attr_error(obj, name)),
        }
    }

    pub fn getattr_opt(&mut self, obj: &Value, name: &str) -> PyResult<Option<Value>> {
        match self.getattr_impl(obj, name) {
            Ok(v) => Ok(v),
            Err(e) if types::exc_is(&e, "AttributeError") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn setattr(&mut self, obj: &Value, name: &str, v: Value) -> PyResult<()> {
        self.setattr_impl(obj, name, None, v)
    }

    pub fn delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        let removed = match obj {
            Value::Instance(i) => i.dict.borrow_mut().remove(name).is_some(),
            Value::Class(c) => {
                crate::object::classes_changed();
                c.dict.borrow_mut().remove(name).is_some()
            }
            Value::Module(m) => m.globals.borrow_mut().remove(name).is_some(),
            Value::Func(f) => f.attrs.borrow_mut().remove(name).is_some(),
            _ => false,
        };
        if removed {
            Ok(())
        } else {
            Err(self.attr_error(obj, name))
        }
    }

    pub fn getitem(&mut self, obj: &Value, key: &Value) -> PyResult<Value> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = key {
                    let items = l.borrow().clone();
                    let (a, b, c) = slice_indices(self, s, items.len())?;
                    return Ok(Value::list(
                        slice_positions(a, b, c)
                            .into_iter()
                            .map(|i| items[i].clone())
                            .collect(),
                    ));
                }
                let l = l.borrow();
                let i = seq_index(key, l.len(), "list")?;
                Ok(l[i].clone())
            }
            Value::Tuple(t) => {
                if let Value::Slice(s) = key {
                    let (a, b, c) = slice_indices(self, s, t.len())?;
                    return Ok(Value::tuple(
                        slice_positions(a, b, c)
                            .into_iter()
                            .map(|i| t[i].clone())
                            .collect(),
                    ));
                }
                let i = seq_index(key, t.len(), "tuple")?;
                Ok(t[i].clone())
            }
            Value::Str(s) => {
                if let Value::Slice(sl) = key {
                    let n = s.char_len();
                    let (a, b, c) = slice_indices(self, sl, n)?;
                    if s.ascii {
                        let bytes = s.s.as_bytes();
                        let out: String = slice_positions(a, b, c)
                            .into_iter()
                            .map(|i| bytes[i] as char)
                            .collect();
                        return Ok(Value::string(out));
                    }
                    let chars: Vec<char> = s.s.chars().collect();
                    let out: String = slice_positions(a, b, c)
                        .into_iter()
                        .map(|i| chars[i])
                        .collect();
                    return Ok(Value::string(out));
                }
                let n = s.char_len();
                let i = seq_index(key, n, "string").map_err(|e| {
                    if types::exc_is(&e, "TypeError") {
                        type_error(format!(
                            "string indices must be integers, not '{}'",
                            type_name(key)
                        ))
                    } else {
                        e
                    }
                })?;
                let c = if s.ascii {
                    s.s.as_bytes()[i] as char
                } else {
                    s.s.chars().nth(i).unwrap_or(' ')
                };
                Ok(Value::string(c.to_string()))
            }
            Value::Dict(d) => match self.dict_get(d, key)? {
                Some(v) => Ok(v),
                None => Err(key_error(key.clone())),
            },
            Value::Range(r) => {
                if let Value::Slice(s) = key {
                    let (a, b, c) = slice_indices(self, s, r.len().max(0) as usize)?;
                    return Ok(Value::Range(Rc::new(RangeObj {
                        start: r.start + a * r.step,
                        stop: r.start + b * r.step,
                        step: r.step * c,
                    })));
                }
                let i = seq_index(key, r.len().max(0) as usize, "range object")?;
                Ok(Value::Int(r.start + i as i64 * r.step))
            }
            Value::Instance(i) => match i.class.lookup("__getitem__") {
                Some(m) => self.call2(&m, obj.clone(), key.clone()),
                None => Err(type_error(format!(
                    "'{}' object is not subscriptable",
                    i.class.name
                ))),
            },
            Value::Class(c) => {
                // list[int] and friends: typing syntax, accepted and ignored.
                let _ = c;
                Ok(obj.clone())
            }
            _ => Err(type_error(format!(
                "'{}' object is not subscriptable",
                type_name(obj)
            ))),
        }
    }

    pub fn setitem(&mut self, obj: &Value, key: &Value, v: Value) -> PyResult<()> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = key {
                    let items = self.collect(&v)?;
                    let len = l.borrow().len();
                    let (a, b, c) = slice_indices(self, s, len)?;
                    let mut l = l.borrow_mut();
                    if c == 1 {
                        let b = b.max(a);
                        l.splice(a as usize..b as usize, items);
                    } else {
                        let pos = slice_positions(a, b, c);
                        if pos.len() != items.len() {
                            return Err(exc(
                                "ValueError",
                                format!(
                                    "attempt to assign sequence of size {} to extended slice of size {}",
                                    items.len(),
                                    pos.len()
                                ),
                            ));
                        }
                        for (p, x) in pos.into_iter().zip(items) {
                            l[p] = x;
                        }
                    }
                    return Ok(());
                }
                let mut l = l.borrow_mut();
                let i = list_assign_index(key, l.len())?;
                l[i] = v;
                Ok(())
            }
            Value::Dict(d) => self.dict_set(d, key.clone(), v),
            Value::Instance(i) => match i.class.lookup("__setitem__") {
                Some(m) => {
                    self.call(
                        &m,
                        CallArgs::new(smallvec::smallvec![obj.clone(), key.clone(), v]),
                    )?;
                    Ok(())
                }
                None => Err(type_error(format!(
                    "'{}' object does not support item assignment",
                    i.class.name
                ))),
            },
            _ => Err(type_error(format!(
                "'{}' object does not support item assignment",
                type_name(obj)
            ))),
        }
    }

    pub fn delitem(&mut self, obj: &Value, key: &Value) -> PyResult<()> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = key {
                    let len = l.borrow().len();
                    let (a, b, c) = slice_indices(self, s, len)?;
                    let mut pos = slice_positions(a, b, c);
                    pos.sort_unstable();
                    let mut l = l.borrow_mut();
                    for p in pos.into_iter().rev() {
                        l.remove(p);
                    }
                    return Ok(());
                }
                let mut l = l.borrow_mut();
                let i = list_assign_index(key, l.len())?;
                l.remove(i);
                Ok(())
            }
            Value::Dict(d) => match self.dict_remove(d, key)? {
                Some(_) => Ok(()),
                None => Err(key_error(key.clone())),
            },
            Value::Instance(i) => match i.class.lookup("__delitem__") {
                Some(m) => {
                    self.call2(&m, obj.clone(), key.clone())?;
                    Ok(())
                }
                None => Err(type_error(format!(
                    "'{}' object does not support item deletion",
                    i.class.name
                ))),
            },
            _ => Err(type_error(format!(
                "'{}' object does not support item deletion",
                type_name(obj)
            ))),
        }
    }

    /// Find the entry index of `key` in `d`.
    fn dict_find(&mut self, d: &RefCell<Dict>, key: &Value, hash: u64) -> PyResult<Option<usize>> {
        let cands: Vec<(usize, Value)> = {
            let b = d.borrow();
            b.candidates(hash)
                .into_iter()
                .filter_map(|i| b.entry(i).map(|e| (i, e.key.clone())))
                .collect()
        };
        for (i, k) in cands {
            if k.is(key) {
                return Ok(Some(i));
            }
            let same = match self.builtin_eq(&k, key)? {
                Some(r) => r,
                None => self.eq(&k, key)?,
            };
            if same {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    pub fn dict_get(&mut self, d: &RefCell<Dict>, key: &Value) -> PyResult<Option<Value>> {
        let h = self.hash(key)?;
        Ok(match self.dict_find(d, key, h)? {
            Some(i) => d.borrow().entry(i).map(|e| e.value.clone()),
            None => None,
        })
    }

    pub fn dict_set(&mut self, d: &RefCell<Dict>, key: Value, v: Value) -> PyResult<()> {
        let h = self.hash(&key)?;
        match self.dict_find(d, &key, h)? {
            Some(i) => {
                if let Some(e) = d.borrow_mut().entry_mut(i) {
                    e.value = v;
                }
            }
            None => {
                if !d.borrow_mut().try_make_room() {
                    return Err(crate::builtins::args::memory_error());
                }
                d.borrow_mut().push(h, key, v)
            }
        }
        Ok(())
    }

    pub fn dict_remove(&mut self, d: &RefCell<Dict>, key: &Value) -> PyResult<Option<Value>> {
        let h = self.hash(key)?;
        Ok(match self.dict_find(d, key, h)? {
            Some(i) => d.borrow_mut().remove_at(i).map(|e| e.value),
            None => None,
        })
    }

    pub fn isinstance(&mut self, v: &Value, cls: &Rc<Class>) -> bool {
        let t = types::types();
        if Rc::ptr_eq(cls, &t.object) {
            return true;
        }
        if Rc::ptr_eq(cls, &t.int) && matches!(v, Value::Bool(_)) {
            return true;
        }
        types::type_of(v).is_subclass(cls)
    }

    pub fn write_out(&mut self, s: &str) {
        if self.sched.trace_view.recorder.is_some() {
            crate::trace::record_output(self, s);
        }
        if self.sched.trace_json {
            // In a JSON trace, the program's own output becomes `output` events too, so
            // stdout stays one JSON object per line.
            self.sched.trace_pending_output.push_str(s);
            while let Some(pos) = self.sched.trace_pending_output.find('\n') {
                let line: String = self.sched.trace_pending_output.drain(..=pos).collect();
                crate::trace::output_event(self, line.trim_end_matches('\n'));
            }
            return;
        }
        self.write_raw(s);
    }

    /// Write to stdout as is (the trace renderer and everything else end here).
    pub fn write_raw(&mut self, s: &str) {
        if !self.count_output(s.len()) {
            return;
        }
        if self.out.write_all(s.as_bytes()).is_err() {
            self.sched.stdout_closed = true;
            self.output_closed();
        }
    }

    pub fn read_line(&mut self) -> Option<String> {
        self.flush();
        let lock = self
            .stdin_lines
            .get_or_insert_with(|| Box::leak(Box::new(std::io::stdin())).lock());
        let mut line = String::new();
        match lock.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if line.ends_with('\n') {
                    line.pop();
                    if line.ends_with('\r') {
                        line.pop();
                    }
                }
                Some(line)
            }
        }
    }

    pub fn clock_monotonic(&mut self) -> f64 {
        self.sched.clock.now()
    }

    pub fn clock_wall(&mut self) -> f64 {
        self.sched.clock.wall()
    }

    /// time.sleep: block, waking for Ctrl-C and limits. A Ctrl-C that only cancels
    /// asyncio.run's main task lets the sleep finish, as in CPython.
    pub fn clock_block(&mut self, secs: f64) -> PyResult<()> {
        self.flush();
        let end = self.sched.clock.now() + secs;
        loop {
            let now = self.sched.clock.now();
            self.sched.clock.block(end - now);
            self.poll_now()?;
            if self.sched.clock.is_virtual() || self.sched.clock.now() >= end {
                return Ok(());
            }
        }
    }

    pub fn module(&mut self, name: &str) -> Option<Value> {
        crate::builtins::make_module(name).map(Value::Module)
    }

    pub(super) fn get_awaitable(&mut self, v: &Value) -> PyResult<Value> {
        if super::exec::awaitable_as_is(Some(v)) {
            return Ok(v.clone());
        }
        match v {
            Value::Instance(i) if i.class.lookup("__await__").is_some() => {
                let m = i.class.lookup("__await__").unwrap_or_default();
                let r = self.call1(&m, v.clone())?;
                match &r {
                    Value::Gen(_) | Value::Iter(_) | Value::Native(_) => Ok(r),
                    Value::Instance(i) if i.class.lookup("__next__").is_some() => Ok(r),
                    _ => Err(type_error(format!(
                        "__await__() returned non-iterator of type '{}'",
                        type_name(&r)
                    ))),
                }
            }
            _ => {
                let e = type_error(format!(
                    "object {} can't be used in 'await' expression",
                    type_name(v)
                ));
                Err(e)
            }
        }
    }

    pub(super) fn get_aiter(&mut self, v: &Value) -> PyResult<Value> {
        match v {
            Value::Gen(g) if g.kind == GenKind::AsyncGen => Ok(v.clone()),
            _ => match self.getattr_impl(v, "__aiter__")? {
                Some(m) => self.call0(&m),
                None => Err(type_error(format!(
                    "'async for' requires an object with __aiter__ method, got {}",
                    type_name(v)
                ))),
            },
        }
    }

    pub(super) fn get_anext(&mut self, it: &Value) -> PyResult<Value> {
        match it {
            Value::Gen(g) if g.kind == GenKind::AsyncGen => {
                Ok(crate::scheduler::asend_awaitable(it.clone(), Value::None))
            }
            _ => match self.getattr_impl(it, "__anext__")? {
                Some(m) => {
                    let aw = self.call0(&m)?;
                    self.get_awaitable(&aw)
                }
                None => Err(type_error(format!(
                    "'async for' received an object from __aiter__ that does not implement __anext__: {}",
                    type_name(it)
                ))),
            },
        }
    }
}

fn dict_len(d: &Value) -> usize {
    match d {
        Value::Dict(d) => d.borrow().len(),
        _ => 0,
    }
}

impl CallArgs {
    pub fn clone_shallow(&self) -> CallArgs {
        CallArgs {
            pos: self.pos.clone(),
            kw: self.kw.clone(),
        }
    }
}
