//! The `functools` module.
//!
//! Native closures are Builtins with a `bound` value carrying their state; the VM passes
//! that value as `pos[0]`.

use std::rc::Rc;

use smallvec::SmallVec;

use crate::ast::CmpOp;
use crate::builtins::args::{self, bound_builtin};
use crate::builtins::functions::is_callable;
use crate::dict::Dict;
use crate::object::{Attrs, CallArgs, Module, NativeFn, NativeObj, PyResult};
use crate::types::{exc_is, make_class, type_error};
use crate::value::Value;
use crate::vm::Vm;

fn reduce(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("reduce", &a, 0, 2, 3)?;
    let f = a.pos[0].clone();
    let it = vm.iter(&a.pos[1])?;
    let mut acc = match a.pos.get(2) {
        Some(v) => v.clone(),
        None => match vm.next(&it)? {
            Some(v) => v,
            None => {
                return Err(type_error(
                    "reduce() of empty iterable with no initial value",
                ));
            }
        },
    };
    while let Some(x) = vm.next(&it)? {
        acc = vm.call2(&f, acc, x)?;
    }
    Ok(acc)
}

/// `partial.__new__(cls, func, *args, **kw)`.
fn partial_new(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let skip = usize::from(matches!(a.pos.first(), Some(Value::Class(_))));
    let Some(func) = a.pos.get(skip).cloned() else {
        return Err(type_error("type 'partial' takes at least one argument"));
    };
    if !is_callable(&func) {
        return Err(type_error("the first argument must be callable"));
    }
    let mut args: Vec<Value> = a.pos[skip + 1..].to_vec();
    let mut kw = a.kw;
    // partial(partial(f, a), b) flattens to partial(f, a, b), as in CPython.
    let func = match &func {
        Value::Native(n) => match &**n {
            NativeObj::Partial {
                func: inner,
                args: inner_args,
                kw: inner_kw,
            } => {
                let mut all = inner_args.clone();
                all.extend(args);
                args = all;
                let mut merged = inner_kw.clone();
                for (k, v) in kw {
                    merged.retain(|(mk, _)| *mk != k);
                    merged.push((k, v));
                }
                kw = merged;
                inner.clone()
            }
            _ => func.clone(),
        },
        _ => func.clone(),
    };
    Ok(Value::native(NativeObj::Partial { func, args, kw }))
}

const WRAPPER_ASSIGNMENTS: &[&str] = &["__module__", "__name__", "__qualname__", "__doc__"];

/// Copy the identity of `wrapped` onto `wrapper` (functools.update_wrapper).
fn copy_identity(vm: &mut Vm, wrapper: &Value, wrapped: &Value) -> PyResult<()> {
    for name in WRAPPER_ASSIGNMENTS {
        if let Some(v) = vm.getattr_opt(wrapped, name)? {
            match vm.setattr(wrapper, name, v) {
                Ok(()) => {}
                Err(e) if exc_is(&e, "AttributeError") => {}
                Err(e) => return Err(e),
            }
        }
    }
    // __dict__ of functions: copy user attributes.
    if let (Value::Func(src), Value::Func(dst)) = (wrapped, wrapper) {
        let attrs: Vec<(Rc<str>, Value)> = src
            .attrs
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        crate::gc::track_func(dst);
        let mut d = dst.attrs.borrow_mut();
        for (k, v) in attrs {
            d.insert(k, v);
        }
    }
    match vm.setattr(wrapper, "__wrapped__", wrapped.clone()) {
        Ok(()) => Ok(()),
        Err(e) if exc_is(&e, "AttributeError") => Ok(()),
        Err(e) => Err(e),
    }
}

fn update_wrapper(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params(
        "update_wrapper",
        &mut a,
        0,
        &["wrapper", "wrapped", "assigned", "updated"],
        2,
    )?;
    let wrapper = p[0].clone().unwrap_or(Value::None);
    let wrapped = p[1].clone().unwrap_or(Value::None);
    copy_identity(vm, &wrapper, &wrapped)?;
    Ok(wrapper)
}

/// The decorator returned by wraps(wrapped): pos[0] is `wrapped`, pos[1] the wrapper.
fn wraps_apply(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("wraps", &a, 1, 1, 1)?;
    let wrapped = a.pos[0].clone();
    let wrapper = a.pos[1].clone();
    copy_identity(vm, &wrapper, &wrapped)?;
    Ok(wrapper)
}

fn wraps(_vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params("wraps", &mut a, 0, &["wrapped", "assigned", "updated"], 1)?;
    let wrapped = p[0].clone().unwrap_or(Value::None);
    Ok(bound_builtin("wraps", wraps_apply, wrapped))
}

/// A cached call: pos[0] is the state tuple (func, cache dict, maxsize or None).
fn cached_call(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let Some(Value::Tuple(state)) = a.pos.first() else {
        return Err(type_error("bad cache state"));
    };
    let (Some(func), Some(Value::Dict(cache)), Some(maxsize)) =
        (state.first(), state.get(1), state.get(2))
    else {
        return Err(type_error("bad cache state"));
    };
    let maxsize = match maxsize {
        Value::Int(n) => Some((*n).max(0) as usize),
        _ => None,
    };
    let mut key: Vec<Value> = a.pos[1..].to_vec();
    if !a.kw.is_empty() {
        // A marker separates positional from keyword arguments in the key.
        key.push(Value::str("\u{0}kwd_mark"));
        for (k, v) in &a.kw {
            key.push(Value::str(k));
            key.push(v.clone());
        }
    }
    let key = Value::tuple(key);
    let call_args = CallArgs {
        pos: a.pos[1..].iter().cloned().collect::<SmallVec<[Value; 4]>>(),
        kw: a.kw.clone(),
    };
    if maxsize == Some(0) {
        return vm.call(func, call_args);
    }
    if let Some(v) = vm.dict_get(cache, &key)? {
        if maxsize.is_some() {
            // Move to the most recently used end.
            vm.dict_remove(cache, &key)?;
            vm.dict_set(cache, key, v.clone())?;
        }
        return Ok(v);
    }
    let r = vm.call(func, call_args)?;
    vm.dict_set(cache, key, r.clone())?;
    if let Some(m) = maxsize {
        while cache.borrow().len() > m {
            let old = cache.borrow_mut().pop_first();
            drop(old);
        }
    }
    Ok(r)
}

fn make_cached(func: Value, maxsize: Value) -> Value {
    let state = Value::tuple(vec![func, Value::dict(Dict::new()), maxsize]);
    bound_builtin("_lru_cache_wrapper", cached_call, state)
}

/// The decorator returned by lru_cache(maxsize): pos[0] is maxsize, pos[1] the function.
fn lru_apply(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("lru_cache", &a, 1, 1, 1)?;
    if !is_callable(&a.pos[1]) {
        return Err(type_error("the first argument must be callable"));
    }
    Ok(make_cached(a.pos[1].clone(), a.pos[0].clone()))
}

fn lru_cache(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params("lru_cache", &mut a, 0, &["maxsize", "typed"], 0)?;
    match &p[0] {
        // @lru_cache applied directly to a function.
        Some(f) if is_callable(f) => Ok(make_cached(f.clone(), Value::Int(128))),
        None => Ok(bound_builtin("lru_cache", lru_apply, Value::Int(128))),
        Some(Value::None) => Ok(bound_builtin("lru_cache", lru_apply, Value::None)),
        Some(m) if args::is_int(m) => {
            let n = args::index_clamped(vm, m)?.max(0);
            Ok(bound_builtin("lru_cache", lru_apply, Value::Int(n)))
        }
        Some(_) => Err(type_error(
            "Expected first argument to be an integer, a callable, or None",
        )),
    }
}

fn cache(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let f = args::one("cache", &a, 0)?;
    Ok(make_cached(f, Value::None))
}

/// cmp_to_key(cmp): pos[0] of the key function is (cmp, K class).
fn cmp_key_call(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let Some(Value::Tuple(state)) = a.pos.first() else {
        return Err(type_error("bad key state"));
    };
    let (Some(cmp), Some(Value::Class(k))) = (state.first(), state.get(1)) else {
        return Err(type_error("bad key state"));
    };
    args::unpack("K", &a, 1, 1, 1)?;
    let inst = crate::object::Instance::new(k.clone());
    inst.set("obj", a.pos[1].clone());
    inst.set("_cmp", cmp.clone());
    Ok(Value::instance(inst))
}

fn k_compare(vm: &mut Vm, a: &CallArgs, op: CmpOp) -> PyResult<Value> {
    args::unpack("K", a, 1, 1, 1)?;
    let (Value::Instance(me), Value::Instance(other)) = (&a.pos[0], &a.pos[1]) else {
        return Err(type_error("other argument must be K instance"));
    };
    let (Some(cmp), Some(x), Some(y)) = (me.get("_cmp"), me.get("obj"), other.get("obj")) else {
        return Err(type_error("other argument must be K instance"));
    };
    let r = vm.call2(&cmp, x, y)?;
    vm.compare(&r, &Value::Int(0), op)
}

fn k_lt(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    k_compare(vm, &a, CmpOp::Lt)
}
fn k_le(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    k_compare(vm, &a, CmpOp::LtE)
}
fn k_gt(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    k_compare(vm, &a, CmpOp::Gt)
}
fn k_ge(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    k_compare(vm, &a, CmpOp::GtE)
}
fn k_eq(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    k_compare(vm, &a, CmpOp::Eq)
}

fn cmp_to_key(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let cmp = args::one("cmp_to_key", &a, 0)?;
    let mut dict = Attrs::default();
    let methods: &[(&'static str, NativeFn)] = &[
        ("__lt__", k_lt),
        ("__le__", k_le),
        ("__gt__", k_gt),
        ("__ge__", k_ge),
        ("__eq__", k_eq),
    ];
    for (name, f) in methods {
        dict.insert((*name).into(), args::builtin(name, *f));
    }
    dict.insert("__hash__".into(), Value::None);
    let k = make_class("K", "cmp_to_key.<locals>.K", "functools", Vec::new(), dict);
    Ok(bound_builtin(
        "cmp_to_key",
        cmp_key_call,
        Value::tuple(vec![cmp, Value::Class(k)]),
    ))
}

/// How total_ordering derives one comparison from the class's root comparison `r`
/// (CPython's functools table): `Not` is `not r`, `AndNe` is `r and self != other`,
/// `NotAndNe` is `not r and self != other`, `OrEq` is `r or self == other`,
/// `NotOrEq` is `not r or self == other`.
#[derive(Clone, Copy)]
enum Derive {
    Not,
    AndNe,
    NotAndNe,
    OrEq,
    NotOrEq,
}

fn derived(vm: &mut Vm, a: &CallArgs, root: &str, how: Derive) -> PyResult<Value> {
    args::unpack(root, a, 1, 1, 1)?;
    let (me, other) = (a.pos[0].clone(), a.pos[1].clone());
    let cls = crate::types::type_of(&me);
    let Some(f) = cls.lookup(root) else {
        return Ok(crate::builtins::not_implemented());
    };
    let r = vm.call2(&f, me.clone(), other.clone())?;
    if crate::types::type_of(&r).name.as_ref() == "NotImplementedType" {
        return Ok(r);
    }
    let b = vm.truthy(&r)?;
    Ok(Value::Bool(match how {
        Derive::Not => !b,
        Derive::AndNe => b && !vm.eq(&me, &other)?,
        Derive::NotAndNe => !b && !vm.eq(&me, &other)?,
        Derive::OrEq => b || vm.eq(&me, &other)?,
        Derive::NotOrEq => !b || vm.eq(&me, &other)?,
    }))
}

macro_rules! derived_fns {
    ($(($f:ident, $root:literal, $how:expr)),* $(,)?) => {
        $(
            fn $f(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
                derived(vm, &a, $root, $how)
            }
        )*
    };
}

derived_fns! {
    (gt_from_lt, "__lt__", Derive::NotAndNe),
    (le_from_lt, "__lt__", Derive::OrEq),
    (ge_from_lt, "__lt__", Derive::Not),
    (ge_from_le, "__le__", Derive::NotOrEq),
    (lt_from_le, "__le__", Derive::AndNe),
    (gt_from_le, "__le__", Derive::Not),
    (lt_from_gt, "__gt__", Derive::NotAndNe),
    (ge_from_gt, "__gt__", Derive::OrEq),
    (le_from_gt, "__gt__", Derive::Not),
    (le_from_ge, "__ge__", Derive::NotOrEq),
    (gt_from_ge, "__ge__", Derive::AndNe),
    (lt_from_ge, "__ge__", Derive::Not),
}

/// @total_ordering: fill in the missing rich comparisons from the one the class defines
/// (preferring __lt__, then __le__, __gt__, __ge__, as CPython does).
fn total_ordering(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let cls = args::one("total_ordering", &a, 0)?;
    let Value::Class(c) = &cls else {
        return Err(type_error("total_ordering() argument must be a class"));
    };
    let defined = |name: &str| c.lookup(name).is_some();
    let table: &[(&str, &[(&'static str, NativeFn)])] = &[
        (
            "__lt__",
            &[
                ("__gt__", gt_from_lt),
                ("__le__", le_from_lt),
                ("__ge__", ge_from_lt),
            ],
        ),
        (
            "__le__",
            &[
                ("__ge__", ge_from_le),
                ("__lt__", lt_from_le),
                ("__gt__", gt_from_le),
            ],
        ),
        (
            "__gt__",
            &[
                ("__lt__", lt_from_gt),
                ("__ge__", ge_from_gt),
                ("__le__", le_from_gt),
            ],
        ),
        (
            "__ge__",
            &[
                ("__le__", le_from_ge),
                ("__gt__", gt_from_ge),
                ("__lt__", lt_from_ge),
            ],
        ),
    ];
    let Some((_, derived)) = table.iter().find(|(root, _)| defined(root)) else {
        return Err(crate::types::value_error(
            "must define at least one ordering operation: < > <= >=",
        ));
    };
    for (name, f) in derived.iter() {
        if !defined(name) {
            c.dict
                .borrow_mut()
                .insert((*name).into(), args::builtin(name, *f));
        }
    }
    Ok(cls)
}

pub fn register(t: &crate::types::Types) {
    t.partial
        .dict
        .borrow_mut()
        .insert("__new__".into(), args::builtin("__new__", partial_new));
}

pub fn make() -> Rc<Module> {
    let m = Module::new("functools");
    let fns: &[(&'static str, NativeFn)] = &[
        ("reduce", reduce),
        ("wraps", wraps),
        ("update_wrapper", update_wrapper),
        ("lru_cache", lru_cache),
        ("cache", cache),
        ("cmp_to_key", cmp_to_key),
        ("total_ordering", total_ordering),
    ];
    for (name, f) in fns {
        m.set(name, args::builtin(name, *f));
    }
    // `partial` is the built-in partial class; its `__new__` builds NativeObj::Partial
    // (registered by `register`), and the VM calls partial objects.
    m.set(
        "partial",
        Value::Class(crate::types::types().partial.clone()),
    );
    Rc::new(m)
}
