//! Methods of `set` and `frozenset`, and the set-operator helpers the VM calls.
//!
//! Sets are dicts whose values are None. Results keep the kind (set or frozenset) of the
//! receiver / left operand.

use std::cell::RefCell;
use std::rc::Rc;

use super::args;
use crate::ast::CmpOp;
use crate::dict::Dict;
use crate::object::{CallArgs, IterObj, NativeFn, PyResult};
use crate::types::{Types, key_error, type_error, type_name};
use crate::value::Value;
use crate::vm::Vm;

type SetRc = Rc<RefCell<Dict>>;

/// The table of a set or frozenset, as a RefCell the VM's dict operations accept
/// (a frozenset's table is copied).
fn table(v: &Value) -> Option<SetRc> {
    match v {
        Value::Set(s) => Some(s.clone()),
        Value::FrozenSet(f) => Some(Rc::new(RefCell::new((**f).clone()))),
        _ => None,
    }
}

fn keys(d: &RefCell<Dict>) -> Vec<Value> {
    d.borrow().keys()
}

fn wrap(frozen: bool, d: Dict) -> Value {
    if frozen {
        Value::FrozenSet(Rc::new(d))
    } else {
        Value::set(d)
    }
}

fn take(d: SetRc) -> Dict {
    match Rc::try_unwrap(d) {
        Ok(c) => c.into_inner(),
        Err(rc) => rc.borrow().clone(),
    }
}

/// A new table holding the items of any iterable (sets are copied without rehashing).
pub fn build_set(vm: &mut Vm, it: &Value) -> PyResult<SetRc> {
    match it {
        Value::Set(s) => return Ok(Rc::new(RefCell::new(s.borrow().clone()))),
        Value::FrozenSet(f) => return Ok(Rc::new(RefCell::new((**f).clone()))),
        _ => {}
    }
    let d = Rc::new(RefCell::new(Dict::new()));
    let iter = vm.iter(it)?;
    while let Some(k) = vm.next(&iter)? {
        vm.dict_set(&d, k, Value::None)?;
    }
    Ok(d)
}

/// The table of `v` when it is a set, else a temporary set of its items.
fn as_table(vm: &mut Vm, v: &Value) -> PyResult<SetRc> {
    match setlike(vm, v)? {
        Some((t, _)) => Ok(t),
        None => build_set(vm, v),
    }
}

fn has(vm: &mut Vm, d: &RefCell<Dict>, k: &Value) -> PyResult<bool> {
    Ok(vm.dict_get(d, k)?.is_some())
}

fn union_into(vm: &mut Vm, out: &SetRc, other: &Value) -> PyResult<()> {
    match other {
        Value::Set(_) | Value::FrozenSet(_) => {
            let t = table(other).unwrap_or_default();
            for k in keys(&t) {
                vm.dict_set(out, k, Value::None)?;
            }
            Ok(())
        }
        _ => {
            let it = vm.iter(other)?;
            while let Some(k) = vm.next(&it)? {
                vm.dict_set(out, k, Value::None)?;
            }
            Ok(())
        }
    }
}

fn intersect(vm: &mut Vm, a: &SetRc, b: &Value) -> PyResult<Dict> {
    let bt = as_table(vm, b)?;
    let out = Rc::new(RefCell::new(Dict::new()));
    for k in keys(a) {
        if has(vm, &bt, &k)? {
            vm.dict_set(&out, k, Value::None)?;
        }
    }
    Ok(take(out))
}

fn difference(vm: &mut Vm, a: &SetRc, b: &Value) -> PyResult<Dict> {
    let bt = as_table(vm, b)?;
    let out = Rc::new(RefCell::new(Dict::new()));
    for k in keys(a) {
        if !has(vm, &bt, &k)? {
            vm.dict_set(&out, k, Value::None)?;
        }
    }
    Ok(take(out))
}

fn symmetric(vm: &mut Vm, a: &SetRc, b: &Value) -> PyResult<Dict> {
    let bt = as_table(vm, b)?;
    let out = Rc::new(RefCell::new(Dict::new()));
    for k in keys(a) {
        if !has(vm, &bt, &k)? {
            vm.dict_set(&out, k, Value::None)?;
        }
    }
    for k in keys(&bt) {
        if !has(vm, a, &k)? {
            vm.dict_set(&out, k, Value::None)?;
        }
    }
    Ok(take(out))
}

/// The contents of a dict keys/items view as a new set table (None for other values).
fn view_table(vm: &mut Vm, v: &Value) -> PyResult<Option<SetRc>> {
    let Value::Iter(it) = v else {
        return Ok(None);
    };
    let (dict, items) = match &*it.borrow() {
        IterObj::DictKeys { dict, .. } => (dict.clone(), false),
        IterObj::DictItems { dict, .. } => (dict.clone(), true),
        _ => return Ok(None),
    };
    let Value::Dict(d) = &dict else {
        return Ok(None);
    };
    if !items {
        // Keys keep their stored hashes: no Python code runs.
        let mut out = Dict::new();
        for e in d.borrow().iter() {
            out.push(e.hash, e.key.clone(), Value::None);
        }
        return Ok(Some(Rc::new(RefCell::new(out))));
    }
    let pairs: Vec<Value> = d
        .borrow()
        .iter()
        .map(|e| Value::tuple(vec![e.key.clone(), e.value.clone()]))
        .collect();
    let out = Rc::new(RefCell::new(Dict::new()));
    for p in pairs {
        vm.dict_set(&out, p, Value::None)?;
    }
    Ok(Some(out))
}

/// A set-like operand: a set, a frozenset, or a dict keys/items view (which act as sets).
fn setlike(vm: &mut Vm, v: &Value) -> PyResult<Option<(SetRc, bool)>> {
    Ok(match v {
        Value::Set(s) => Some((s.clone(), false)),
        Value::FrozenSet(_) => table(v).map(|t| (t, true)),
        _ => view_table(vm, v)?.map(|t| (t, false)),
    })
}

fn operand_vm(vm: &mut Vm, a: &Value) -> PyResult<(SetRc, bool)> {
    match setlike(vm, a)? {
        Some(t) => Ok(t),
        None => Err(type_error(format!("expected a set, not {}", type_name(a)))),
    }
}

/// `a | b` for sets (the VM checks that both operands are sets).
pub fn set_union(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    let (t, frozen) = operand_vm(vm, a)?;
    let out = Rc::new(RefCell::new(t.borrow().clone()));
    union_into(vm, &out, b)?;
    Ok(wrap(frozen, take(out)))
}

/// `a & b`
pub fn set_intersection(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    let (t, frozen) = operand_vm(vm, a)?;
    Ok(wrap(frozen, intersect(vm, &t, b)?))
}

/// `a - b`
pub fn set_difference(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    let (t, frozen) = operand_vm(vm, a)?;
    Ok(wrap(frozen, difference(vm, &t, b)?))
}

/// `a ^ b`
pub fn set_symmetric_difference(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    let (t, frozen) = operand_vm(vm, a)?;
    Ok(wrap(frozen, symmetric(vm, &t, b)?))
}

fn subset(vm: &mut Vm, a: &SetRc, b: &SetRc) -> PyResult<bool> {
    if a.borrow().len() > b.borrow().len() {
        return Ok(false);
    }
    for k in keys(a) {
        if !has(vm, b, &k)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `a <= b` (subset) for sets.
pub fn set_issubset(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    let (t, _) = operand_vm(vm, a)?;
    let bt = as_table(vm, b)?;
    subset(vm, &t, &bt)
}

/// Comparisons between set-like values (sets, frozensets, dict keys/items views):
/// subset/superset order and equality. None when either side is not set-like or the
/// operator is not a comparison.
pub fn set_compare(vm: &mut Vm, a: &Value, b: &Value, op: CmpOp) -> PyResult<Option<bool>> {
    if !matches!(
        op,
        CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE | CmpOp::Eq | CmpOp::NotEq
    ) {
        return Ok(None);
    }
    let Some((ta, _)) = setlike(vm, a)? else {
        return Ok(None);
    };
    let Some((tb, _)) = setlike(vm, b)? else {
        return Ok(None);
    };
    let (la, lb) = (ta.borrow().len(), tb.borrow().len());
    Ok(Some(match op {
        CmpOp::LtE => subset(vm, &ta, &tb)?,
        CmpOp::Lt => la < lb && subset(vm, &ta, &tb)?,
        CmpOp::GtE => subset(vm, &tb, &ta)?,
        CmpOp::Gt => la > lb && subset(vm, &tb, &ta)?,
        CmpOp::Eq => la == lb && subset(vm, &ta, &tb)?,
        _ => !(la == lb && subset(vm, &ta, &tb)?),
    }))
}

fn recv_any(a: &CallArgs, meth: &str) -> PyResult<(SetRc, bool)> {
    match args::recv(a, meth, "set")? {
        Value::Set(s) => Ok((s.clone(), false)),
        v @ Value::FrozenSet(_) => Ok((table(v).unwrap_or_default(), true)),
        other => Err(args::bad_recv(meth, "set", other)),
    }
}

fn recv_set(a: &CallArgs, meth: &str) -> PyResult<SetRc> {
    match args::recv(a, meth, "set")? {
        Value::Set(s) => Ok(s.clone()),
        other => Err(args::bad_recv(meth, "set", other)),
    }
}

fn add(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "add")?;
    let x = args::one("set.add", &a, 1)?;
    vm.dict_set(&s, x, Value::None)?;
    Ok(Value::None)
}

fn remove(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "remove")?;
    let x = args::one("set.remove", &a, 1)?;
    match vm.dict_remove(&s, &x)? {
        Some(_) => Ok(Value::None),
        None => Err(key_error(x)),
    }
}

fn discard(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "discard")?;
    let x = args::one("set.discard", &a, 1)?;
    vm.dict_remove(&s, &x)?;
    Ok(Value::None)
}

fn pop(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "pop")?;
    args::none("set.pop", &a, 1)?;
    let e = s.borrow_mut().pop_first();
    match e {
        Some(e) => Ok(e.key),
        None => Err(key_error(Value::str("pop from an empty set"))),
    }
}

fn clear(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "clear")?;
    args::none("set.clear", &a, 1)?;
    let old = std::mem::take(&mut *s.borrow_mut());
    drop(old);
    Ok(Value::None)
}

fn copy(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    match args::recv(&a, "copy", "set")? {
        v @ Value::FrozenSet(_) => Ok(v.clone()),
        Value::Set(s) => {
            args::none("set.copy", &a, 1)?;
            let c = s.borrow().clone();
            Ok(wrap(false, c))
        }
        other => Err(args::bad_recv("copy", "set", other)),
    }
}

fn update(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "update")?;
    args::no_kw("set.update", &a)?;
    for o in &a.pos[1..] {
        union_into(vm, &s, o)?;
    }
    Ok(Value::None)
}

fn union(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, frozen) = recv_any(&a, "union")?;
    args::no_kw("union", &a)?;
    let out = Rc::new(RefCell::new(s.borrow().clone()));
    for o in &a.pos[1..] {
        union_into(vm, &out, o)?;
    }
    Ok(wrap(frozen, take(out)))
}

fn intersection(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, frozen) = recv_any(&a, "intersection")?;
    args::no_kw("intersection", &a)?;
    let mut cur = Rc::new(RefCell::new(s.borrow().clone()));
    for o in &a.pos[1..] {
        cur = Rc::new(RefCell::new(intersect(vm, &cur, o)?));
    }
    Ok(wrap(frozen, take(cur)))
}

fn difference_m(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, frozen) = recv_any(&a, "difference")?;
    args::no_kw("difference", &a)?;
    let mut cur = Rc::new(RefCell::new(s.borrow().clone()));
    for o in &a.pos[1..] {
        cur = Rc::new(RefCell::new(difference(vm, &cur, o)?));
    }
    Ok(wrap(frozen, take(cur)))
}

fn symmetric_difference(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, frozen) = recv_any(&a, "symmetric_difference")?;
    let o = args::one("symmetric_difference", &a, 1)?;
    Ok(wrap(frozen, symmetric(vm, &s, &o)?))
}

/// Replace the contents of a set in place.
fn assign(s: &SetRc, d: Dict) {
    let old = std::mem::replace(&mut *s.borrow_mut(), d);
    drop(old);
}

fn intersection_update(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "intersection_update")?;
    args::no_kw("intersection_update", &a)?;
    for o in &a.pos[1..] {
        let d = intersect(vm, &s, o)?;
        assign(&s, d);
    }
    Ok(Value::None)
}

fn difference_update(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "difference_update")?;
    args::no_kw("difference_update", &a)?;
    for o in &a.pos[1..] {
        let d = difference(vm, &s, o)?;
        assign(&s, d);
    }
    Ok(Value::None)
}

fn symmetric_difference_update(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let s = recv_set(&a, "symmetric_difference_update")?;
    let o = args::one("symmetric_difference_update", &a, 1)?;
    let d = symmetric(vm, &s, &o)?;
    assign(&s, d);
    Ok(Value::None)
}

fn issubset(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, _) = recv_any(&a, "issubset")?;
    let o = args::one("issubset", &a, 1)?;
    let ot = as_table(vm, &o)?;
    for k in keys(&s) {
        if !has(vm, &ot, &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn issuperset(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, _) = recv_any(&a, "issuperset")?;
    let o = args::one("issuperset", &a, 1)?;
    let ot = as_table(vm, &o)?;
    for k in keys(&ot) {
        if !has(vm, &s, &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn isdisjoint(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let (s, _) = recv_any(&a, "isdisjoint")?;
    let o = args::one("isdisjoint", &a, 1)?;
    let it = vm.iter(&o)?;
    while let Some(k) = vm.next(&it)? {
        if has(vm, &s, &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

pub fn register(t: &Types) {
    let shared: &[(&'static str, NativeFn)] = &[
        ("copy", copy),
        ("union", union),
        ("intersection", intersection),
        ("difference", difference_m),
        ("symmetric_difference", symmetric_difference),
        ("issubset", issubset),
        ("issuperset", issuperset),
        ("isdisjoint", isdisjoint),
    ];
    let mutating: &[(&'static str, NativeFn)] = &[
        ("add", add),
        ("remove", remove),
        ("discard", discard),
        ("pop", pop),
        ("clear", clear),
        ("update", update),
        ("intersection_update", intersection_update),
        ("difference_update", difference_update),
        ("symmetric_difference_update", symmetric_difference_update),
    ];
    for (name, f) in shared {
        t.set
            .dict
            .borrow_mut()
            .insert((*name).into(), args::builtin(name, *f));
        t.frozenset
            .dict
            .borrow_mut()
            .insert((*name).into(), args::builtin(name, *f));
    }
    for (name, f) in mutating {
        t.set
            .dict
            .borrow_mut()
            .insert((*name).into(), args::builtin(name, *f));
    }
}
