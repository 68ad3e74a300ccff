//! Constructors (`__new__`) of the built-in types, plus `object.__init__` and the
//! `property` descriptor's methods.
//!
//! Each `__new__` is called with the class as `pos[0]`, then the call's arguments.

use std::cell::RefCell;
use std::rc::Rc;

use num_traits::ToPrimitive;

use super::args::{self, has_method, params};
use super::dict_methods::{update_from, update_kw};
use super::numbers::float_to_int;
use super::set_methods::build_set;
use crate::format;
use crate::object::{
    Attrs, CallArgs, Class, Instance, IterObj, Layout, NativeFn, NativeObj, PyResult, RangeObj,
    SliceObj,
};
use crate::types::{
    Types, new_exc_args, runtime_error, type_error, type_name, type_of, types, value_error,
};
use crate::value::Value;
use crate::vm::Vm;

fn iter_value(it: IterObj) -> Value {
    Value::iter(it)
}

/// The class a `__new__` was called for.
fn cls_arg(a: &CallArgs, name: &str) -> PyResult<Rc<Class>> {
    match a.pos.first() {
        Some(Value::Class(c)) => Ok(c.clone()),
        Some(other) => Err(type_error(format!(
            "{name}.__new__(X): X is not a type object ({})",
            type_name(other)
        ))),
        None => Err(type_error(format!(
            "{name}.__new__(): not enough arguments"
        ))),
    }
}

/// Decimal digits in an int literal (for CPython's 4300-digit conversion limit).
fn too_many_digits(s: &str, base: u32) -> Option<usize> {
    let limit = format::int_max_str_digits();
    if base.is_power_of_two() || limit == 0 || s.len() <= limit {
        return None;
    }
    let n = s.chars().filter(|c| c.is_alphanumeric()).count();
    (n > limit).then_some(n)
}

/// int(x): the conversion for one value (no base).
pub fn to_int(vm: &mut Vm, x: &Value) -> PyResult<Value> {
    match x {
        Value::Int(_) | Value::Big(_) => Ok(x.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => float_to_int(*f),
        Value::Str(s) => parse_int_str(vm, x, &s.s, 10),
        _ if has_method(x, "__int__") => {
            let r = vm.call_method(x, "__int__", CallArgs::default())?;
            match r {
                Value::Int(_) | Value::Big(_) => Ok(r),
                Value::Bool(b) => Ok(Value::Int(b as i64)),
                other => Err(type_error(format!(
                    "__int__ returned non-int (type {})",
                    type_name(&other)
                ))),
            }
        }
        _ if has_method(x, "__index__") => args::index(vm, x),
        _ if has_method(x, "__trunc__") => {
            let r = vm.call_method(x, "__trunc__", CallArgs::default())?;
            args::index(vm, &r)
        }
        other => Err(type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            type_name(other)
        ))),
    }
}

fn parse_int_str(vm: &mut Vm, x: &Value, s: &str, base: u32) -> PyResult<Value> {
    if let Some(n) = too_many_digits(s, base) {
        return Err(value_error(format!(
            "Exceeds the limit ({} digits) for integer string conversion: value has {n} digits; use sys.set_int_max_str_digits() to increase the limit",
            format::int_max_str_digits()
        )));
    }
    match format::parse_int(s, base) {
        Some(n) => Ok(Value::big(n)),
        None => {
            let r = vm.repr(x)?;
            Err(value_error(format!(
                "invalid literal for int() with base {base}: {r}"
            )))
        }
    }
}

fn int_new(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "int")?;
    // x is positional-only.
    if a.kw.iter().any(|(k, _)| &**k == "x") {
        return Err(type_error("'x' is an invalid keyword argument for int()"));
    }
    let p = params("int", &mut a, 1, &["x", "base"], 0)?;
    let Some(x) = &p[0] else {
        if p[1].is_some() {
            return Err(type_error("int() missing string argument"));
        }
        return Ok(Value::Int(0));
    };
    match &p[1] {
        None => to_int(vm, x),
        Some(b) => {
            let b = args::index_clamped(vm, b)?;
            if b != 0 && !(2..=36).contains(&b) {
                return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
            }
            match x {
                Value::Str(s) => parse_int_str(vm, x, &s.s, b as u32),
                _ => Err(type_error(
                    "int() can't convert non-string with explicit base",
                )),
            }
        }
    }
}

/// float(x) for one value.
pub fn to_float(vm: &mut Vm, x: &Value) -> PyResult<f64> {
    match x {
        Value::Str(s) => match format::parse_float(&s.s) {
            Some(f) => Ok(f),
            None => {
                let r = vm.repr(x)?;
                Err(value_error(format!(
                    "could not convert string to float: {r}"
                )))
            }
        },
        _ => match args::try_f64(vm, x)? {
            Some(f) => Ok(f),
            None => Err(type_error(format!(
                "float() argument must be a string or a real number, not '{}'",
                type_name(x)
            ))),
        },
    }
}

fn float_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "float")?;
    args::unpack("float", &a, 1, 0, 1)?;
    match a.pos.get(1) {
        None => Ok(Value::Float(0.0)),
        Some(x) => Ok(Value::Float(to_float(vm, x)?)),
    }
}

fn str_new(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "str")?;
    let p = params("str", &mut a, 1, &["object", "encoding", "errors"], 0)?;
    if p[1].is_some() || p[2].is_some() {
        return Err(type_error("decoding str is not supported"));
    }
    match &p[0] {
        None => Ok(Value::str("")),
        Some(v @ Value::Str(_)) => Ok(v.clone()),
        Some(v) => Ok(Value::string(vm.to_str(v)?)),
    }
}

fn bool_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "bool")?;
    args::unpack("bool", &a, 1, 0, 1)?;
    match a.pos.get(1) {
        None => Ok(Value::Bool(false)),
        Some(v) => Ok(Value::Bool(vm.truthy(v)?)),
    }
}

fn list_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "list")?;
    args::unpack("list", &a, 1, 0, 1)?;
    match a.pos.get(1) {
        None => Ok(Value::list(Vec::new())),
        Some(v) => Ok(Value::list(args::items(vm, v)?)),
    }
}

fn tuple_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "tuple")?;
    args::unpack("tuple", &a, 1, 0, 1)?;
    match a.pos.get(1) {
        None => Ok(Value::tuple(Vec::new())),
        Some(v @ Value::Tuple(_)) => Ok(v.clone()),
        Some(v) => Ok(Value::tuple(vm.collect(v)?)),
    }
}

fn dict_new(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "dict")?;
    let kw = std::mem::take(&mut a.kw);
    args::unpack("dict", &a, 1, 0, 1)?;
    let d = Rc::new(RefCell::new(crate::dict::Dict::new()));
    if let Some(src) = a.pos.get(1) {
        update_from(vm, &d, src)?;
    }
    update_kw(vm, &d, kw)?;
    Ok(Value::tracked(Value::Dict(d)))
}

fn set_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "set")?;
    args::unpack("set", &a, 1, 0, 1)?;
    match a.pos.get(1) {
        None => Ok(Value::set(crate::dict::Dict::new())),
        Some(v) => Ok(Value::tracked(Value::Set(build_set(vm, v)?))),
    }
}

fn frozenset_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "frozenset")?;
    args::unpack("frozenset", &a, 1, 0, 1)?;
    match a.pos.get(1) {
        None => Ok(Value::FrozenSet(Rc::new(crate::dict::Dict::new()))),
        Some(v @ Value::FrozenSet(_)) => Ok(v.clone()),
        Some(v) => {
            let t = build_set(vm, v)?;
            let d = match Rc::try_unwrap(t) {
                Ok(c) => c.into_inner(),
                Err(rc) => rc.borrow().clone(),
            };
            Ok(Value::FrozenSet(Rc::new(d)))
        }
    }
}

fn range_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "range")?;
    args::unpack("range", &a, 1, 1, 3)?;
    let mut n = [0i64; 3];
    for (i, v) in a.pos[1..].iter().enumerate() {
        n[i] = args::index_i64(vm, v)?;
    }
    let (start, stop, step) = match a.pos.len() - 1 {
        1 => (0, n[0], 1),
        2 => (n[0], n[1], 1),
        _ => (n[0], n[1], n[2]),
    };
    if step == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Range(Rc::new(RangeObj { start, stop, step })))
}

fn slice_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "slice")?;
    args::unpack("slice", &a, 1, 1, 3)?;
    let p = &a.pos[1..];
    let (start, stop, step) = match p.len() {
        1 => (Value::None, p[0].clone(), Value::None),
        2 => (p[0].clone(), p[1].clone(), Value::None),
        _ => (p[0].clone(), p[1].clone(), p[2].clone()),
    };
    Ok(Value::Slice(Rc::new(SliceObj { start, stop, step })))
}

fn is_object_slot(cls: &Rc<Class>, name: &str) -> bool {
    let ours = types().object.dict.borrow().get(name).cloned();
    match (cls.lookup(name), ours) {
        (Some(a), Some(b)) => a.is(&b),
        _ => false,
    }
}

/// `object.__new__(cls, *args)`: plain instances, exception instances, or a bare object.
fn object_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let cls = cls_arg(&a, "object")?;
    let extra = a.pos.len() > 1 || !a.kw.is_empty();
    match cls.layout {
        Layout::Exception => Ok(Value::Instance(new_exc_args(&cls, a.pos[1..].to_vec()))),
        _ => {
            if extra && is_object_slot(&cls, "__init__") {
                return Err(type_error(format!("{}() takes no arguments", cls.name)));
            }
            Ok(Value::instance(Instance::new(cls)))
        }
    }
}

/// `object.__init__(self, *args)`: extra arguments are an error unless `__new__` took them.
fn object_init(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let Some(me) = a.pos.first() else {
        return Err(type_error(
            "descriptor '__init__' of 'object' object needs an argument",
        ));
    };
    let extra = a.pos.len() > 1 || !a.kw.is_empty();
    if extra {
        let cls = type_of(me);
        if cls.layout == Layout::Exception {
            return Ok(Value::None);
        }
        if !is_object_slot(&cls, "__init__") {
            return Err(type_error(
                "object.__init__() takes exactly one argument (the instance to initialize)",
            ));
        }
        if is_object_slot(&cls, "__new__") {
            return Err(type_error(format!("{}() takes no arguments", cls.name)));
        }
    }
    Ok(Value::None)
}

/// `object.__setattr__(self, name, value)`: the default attribute assignment, for
/// `super().__setattr__(...)` inside a user `__setattr__` (properties still apply).
fn object_setattr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("__setattr__", &a, 1, 2, 2)?;
    let name = args::str_arg(&a.pos[1], |o| {
        format!("attribute name must be string, not '{}'", type_name(o))
    })?;
    let Value::Instance(i) = &a.pos[0] else {
        return Err(type_error(format!(
            "can't apply this __setattr__ to {} object",
            type_name(&a.pos[0])
        )));
    };
    if let Some(Value::Native(n)) = i.class.lookup(&name.s)
        && let NativeObj::Property { fset, .. } = &*n
    {
        let f = fset.borrow().clone();
        if f.is_none() {
            return Err(crate::types::attribute_error(format!(
                "property '{}' of '{}' object has no setter",
                name.s, i.class.name
            )));
        }
        vm.call2(&f, a.pos[0].clone(), a.pos[2].clone())?;
        return Ok(Value::None);
    }
    i.set(&name.s, a.pos[2].clone());
    Ok(Value::None)
}

/// `object.__delattr__(self, name)`.
fn object_delattr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("__delattr__", &a, 1, 1, 1)?;
    let name = args::str_arg(&a.pos[1], |o| {
        format!("attribute name must be string, not '{}'", type_name(o))
    })?;
    let Value::Instance(i) = &a.pos[0] else {
        return Err(type_error(format!(
            "can't apply this __delattr__ to {} object",
            type_name(&a.pos[0])
        )));
    };
    if let Some(Value::Native(n)) = i.class.lookup(&name.s)
        && let NativeObj::Property { fdel, .. } = &*n
    {
        let f = fdel.borrow().clone();
        if f.is_none() {
            return Err(crate::types::attribute_error(format!(
                "property '{}' of '{}' object has no deleter",
                name.s, i.class.name
            )));
        }
        vm.call1(&f, a.pos[0].clone())?;
        return Ok(Value::None);
    }
    let key: &str = &name.s;
    let removed = i.dict.borrow_mut().remove(key);
    match removed {
        Some(old) => {
            drop(old);
            Ok(Value::None)
        }
        None => Err(crate::types::attribute_error(format!(
            "'{}' object has no attribute '{}'",
            i.class.name, name.s
        ))),
    }
}

fn type_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "type")?;
    args::no_kw("type", &a)?;
    match a.pos.len() - 1 {
        1 => Ok(Value::Class(type_of(&a.pos[1]))),
        3 => {
            let Value::Str(name) = &a.pos[1] else {
                return Err(type_error(format!(
                    "type.__new__() argument 1 must be str, not {}",
                    type_name(&a.pos[1])
                )));
            };
            let Value::Tuple(bases) = &a.pos[2] else {
                return Err(type_error(format!(
                    "type.__new__() argument 2 must be tuple, not {}",
                    type_name(&a.pos[2])
                )));
            };
            let Value::Dict(ns) = &a.pos[3] else {
                return Err(type_error(format!(
                    "type.__new__() argument 3 must be dict, not {}",
                    type_name(&a.pos[3])
                )));
            };
            let mut bs = Vec::new();
            for b in bases.iter() {
                match b {
                    Value::Class(c) => bs.push(c.clone()),
                    other => {
                        return Err(type_error(format!(
                            "bases must be types, not {}",
                            type_name(other)
                        )));
                    }
                }
            }
            let mut attrs = Attrs::default();
            for e in ns.borrow().iter() {
                if let Value::Str(k) = &e.key {
                    attrs.insert(k.s.as_ref().into(), e.value.clone());
                }
            }
            Ok(Value::Class(crate::types::make_class(
                &name.s, &name.s, "__main__", bs, attrs,
            )))
        }
        _ => Err(type_error("type() takes 1 or 3 arguments")),
    }
}

fn super_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "super")?;
    args::unpack("super", &a, 1, 0, 2)?;
    let p = &a.pos[1..];
    if p.is_empty() {
        return Err(runtime_error("super(): no arguments"));
    }
    let Value::Class(cls) = &p[0] else {
        return Err(type_error(format!(
            "super() argument 1 must be a type, not {}",
            type_name(&p[0])
        )));
    };
    let Some(obj) = p.get(1) else {
        return Err(type_error("unbound super objects are not supported"));
    };
    let ok = match obj {
        Value::Class(c) => args::is_subclass(c, cls),
        other => args::is_subclass(&type_of(other), cls),
    };
    if !ok {
        return Err(type_error(
            "super(type, obj): obj must be an instance or subtype of type",
        ));
    }
    Ok(Value::native(NativeObj::Super {
        class: cls.clone(),
        receiver: obj.clone(),
    }))
}

fn property_new(_vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "property")?;
    let p = params("property", &mut a, 1, &["fget", "fset", "fdel", "doc"], 0)?;
    let get = |i: usize| p[i].clone().unwrap_or(Value::None);
    Ok(Value::native(NativeObj::Property {
        fget: get(0),
        fset: RefCell::new(get(1)),
        fdel: RefCell::new(get(2)),
    }))
}

/// property.getter/setter/deleter: a copy of the property with one accessor replaced.
fn property_with(a: &CallArgs, which: usize, name: &str) -> PyResult<Value> {
    let f = args::one(name, a, 1)?;
    match a.pos.first() {
        Some(Value::Native(n)) => match &**n {
            NativeObj::Property { fget, fset, fdel } => {
                let mut parts = [fget.clone(), fset.borrow().clone(), fdel.borrow().clone()];
                parts[which] = f;
                let [g, s, d] = parts;
                Ok(Value::native(NativeObj::Property {
                    fget: g,
                    fset: RefCell::new(s),
                    fdel: RefCell::new(d),
                }))
            }
            _ => Err(type_error(format!(
                "descriptor '{name}' requires a property"
            ))),
        },
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a property"
        ))),
    }
}

fn property_getter(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    property_with(&a, 0, "getter")
}

fn property_setter(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    property_with(&a, 1, "setter")
}

fn property_deleter(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    property_with(&a, 2, "deleter")
}

fn staticmethod_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "staticmethod")?;
    args::unpack("staticmethod", &a, 1, 1, 1)?;
    Ok(Value::native(NativeObj::StaticMethod(a.pos[1].clone())))
}

fn classmethod_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "classmethod")?;
    args::unpack("classmethod", &a, 1, 1, 1)?;
    Ok(Value::native(NativeObj::ClassMethod(a.pos[1].clone())))
}

fn enumerate_new(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "enumerate")?;
    if a.pos.len() < 2 && !a.kw.iter().any(|(k, _)| &**k == "iterable") {
        return Err(type_error(
            "enumerate() missing required argument 'iterable'",
        ));
    }
    let p = params("enumerate", &mut a, 1, &["iterable", "start"], 1)?;
    let it = vm.iter(p[0].as_ref().unwrap_or(&Value::None))?;
    let n = match &p[1] {
        Some(v) => args::index(vm, v)?,
        None => Value::Int(0),
    };
    Ok(iter_value(IterObj::Enumerate { it, n }))
}

fn zip_new(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "zip")?;
    let kw = args::kwonly("zip", &mut a, &["strict"])?;
    let strict = match &kw[0] {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    let mut its = Vec::with_capacity(a.pos.len() - 1);
    for v in &a.pos[1..] {
        its.push(vm.iter(v)?);
    }
    Ok(iter_value(IterObj::Zip { its, strict }))
}

fn map_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "map")?;
    args::no_kw("map", &a)?;
    if a.pos.len() < 3 {
        return Err(type_error("map() must have at least two arguments."));
    }
    let func = a.pos[1].clone();
    let mut its = Vec::with_capacity(a.pos.len() - 2);
    for v in &a.pos[2..] {
        its.push(vm.iter(v)?);
    }
    Ok(iter_value(IterObj::Map { func, its }))
}

fn filter_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "filter")?;
    args::unpack("filter", &a, 1, 2, 2)?;
    let it = vm.iter(&a.pos[2])?;
    Ok(iter_value(IterObj::Filter {
        func: a.pos[1].clone(),
        it,
    }))
}

/// reversed(seq). `IterObj::Reversed { seq, idx }` holds the number of items still to
/// produce: the next item is `seq[idx - 1]`.
pub fn make_reversed(vm: &mut Vm, seq: &Value) -> PyResult<Value> {
    match seq {
        Value::List(l) => {
            let n = l.borrow().len();
            Ok(iter_value(IterObj::Reversed {
                seq: seq.clone(),
                idx: n,
            }))
        }
        Value::Tuple(t) => Ok(iter_value(IterObj::Reversed {
            seq: seq.clone(),
            idx: t.len(),
        })),
        Value::Str(s) => {
            let r: String = s.s.chars().rev().collect();
            Ok(iter_value(IterObj::Str {
                s: Rc::new(crate::object::PyStr::new(r)),
                byte: 0,
            }))
        }
        Value::Range(r) => {
            let n = r.len();
            if n == 0 {
                return Ok(iter_value(IterObj::Range {
                    cur: 0,
                    stop: 0,
                    step: 1,
                }));
            }
            let last = r.start as i128 + (n as i128 - 1) * r.step as i128;
            let stop = r.start as i128 - r.step as i128;
            match (last.to_i64(), stop.to_i64(), r.step.checked_neg()) {
                (Some(cur), Some(stop), Some(step)) => {
                    Ok(iter_value(IterObj::Range { cur, stop, step }))
                }
                _ => Ok(iter_value(IterObj::Reversed {
                    seq: seq.clone(),
                    idx: n as usize,
                })),
            }
        }
        Value::Dict(d) => {
            let mut keys = d.borrow().keys();
            keys.reverse();
            Ok(iter_value(IterObj::Seq {
                seq: Value::list(keys),
                idx: 0,
            }))
        }
        _ if has_method(seq, "__reversed__") => {
            vm.call_method(seq, "__reversed__", CallArgs::default())
        }
        _ if has_method(seq, "__len__") && has_method(seq, "__getitem__") => {
            let n = vm.len(seq)?;
            Ok(iter_value(IterObj::Reversed {
                seq: seq.clone(),
                idx: n,
            }))
        }
        other => Err(type_error(format!(
            "'{}' object is not reversible",
            type_name(other)
        ))),
    }
}

fn reversed_new(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    cls_arg(&a, "reversed")?;
    args::unpack("reversed", &a, 1, 1, 1)?;
    make_reversed(vm, &a.pos[1])
}

fn none_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    if a.pos.len() > 1 || !a.kw.is_empty() {
        return Err(type_error("NoneType takes no arguments"));
    }
    Ok(Value::None)
}

pub fn register(t: &Types) {
    let news: &[(&Rc<Class>, NativeFn)] = &[
        (&t.int, int_new),
        (&t.float, float_new),
        (&t.str, str_new),
        (&t.bool_, bool_new),
        (&t.list, list_new),
        (&t.tuple, tuple_new),
        (&t.dict, dict_new),
        (&t.set, set_new),
        (&t.frozenset, frozenset_new),
        (&t.range, range_new),
        (&t.slice, slice_new),
        (&t.object, object_new),
        (&t.type_, type_new),
        (&t.super_, super_new),
        (&t.property, property_new),
        (&t.staticmethod, staticmethod_new),
        (&t.classmethod, classmethod_new),
        (&t.enumerate, enumerate_new),
        (&t.zip, zip_new),
        (&t.map, map_new),
        (&t.filter, filter_new),
        (&t.reversed, reversed_new),
        (&t.none, none_new),
    ];
    for (cls, f) in news {
        cls.dict
            .borrow_mut()
            .insert("__new__".into(), args::builtin("__new__", *f));
    }
    let mut od = t.object.dict.borrow_mut();
    od.insert("__init__".into(), args::builtin("__init__", object_init));
    od.insert(
        "__setattr__".into(),
        args::builtin("__setattr__", object_setattr),
    );
    od.insert(
        "__delattr__".into(),
        args::builtin("__delattr__", object_delattr),
    );
    od.insert(
        "__format__".into(),
        args::builtin("__format__", super::strformat::object_format),
    );
    drop(od);
    let mut pd = t.property.dict.borrow_mut();
    pd.insert("getter".into(), args::builtin("getter", property_getter));
    pd.insert("setter".into(), args::builtin("setter", property_setter));
    pd.insert("deleter".into(), args::builtin("deleter", property_deleter));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_limit() {
        assert_eq!(too_many_digits("12345", 10), None);
        let long = "1".repeat(5000);
        assert_eq!(too_many_digits(&long, 10), Some(5000));
        assert_eq!(too_many_digits(&long, 7), Some(5000));
        assert_eq!(too_many_digits(&long, 16), None);
        assert_eq!(too_many_digits(&long, 2), None);
    }
}
