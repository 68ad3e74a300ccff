//! Methods of `dict`.
//!
//! Keyed access goes through the VM (hash and == may run Python code); the table is only
//! borrowed briefly to snapshot entries.

use std::cell::RefCell;
use std::rc::Rc;

use super::args;
use crate::dict::Dict;
use crate::object::{CallArgs, IterObj, NativeFn, NativeObj, PyResult};
use crate::types::{Types, exc_is, key_error, type_error, value_error};
use crate::value::Value;
use crate::vm::Vm;

type DictRc = Rc<RefCell<Dict>>;

fn recv_dict(a: &CallArgs, meth: &str) -> PyResult<DictRc> {
    match args::recv(a, meth, "dict")? {
        Value::Dict(d) => Ok(d.clone()),
        other => Err(args::bad_recv(meth, "dict", other)),
    }
}

fn snapshot(d: &RefCell<Dict>) -> Vec<(Value, Value)> {
    d.borrow()
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect()
}

/// `d.update(other)`: a dict, an object with keys(), or an iterable of pairs.
pub fn update_from(vm: &mut Vm, d: &DictRc, other: &Value) -> PyResult<()> {
    match other {
        Value::Dict(o) => {
            for (k, v) in snapshot(o) {
                vm.dict_set(d, k, v)?;
            }
            return Ok(());
        }
        Value::Instance(_) if args::has_method(other, "keys") => {
            let keys = vm.call_method(other, "keys", CallArgs::default())?;
            let it = vm.iter(&keys)?;
            while let Some(k) = vm.next(&it)? {
                let v = vm.getitem(other, &k)?;
                vm.dict_set(d, k, v)?;
            }
            return Ok(());
        }
        _ => {}
    }
    let it = vm.iter(other)?;
    let mut i = 0usize;
    while let Some(item) = vm.next(&it)? {
        let pair = match &item {
            Value::Tuple(t) => (**t).clone(),
            Value::List(l) => l.borrow().clone(),
            _ => match vm.collect(&item) {
                Ok(v) => v,
                Err(e) if exc_is(&e, "TypeError") => {
                    return Err(type_error(format!(
                        "cannot convert dictionary update sequence element #{i} to a sequence"
                    )));
                }
                Err(e) => return Err(e),
            },
        };
        if pair.len() != 2 {
            return Err(value_error(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut pair = pair.into_iter();
        let (Some(k), Some(v)) = (pair.next(), pair.next()) else {
            continue;
        };
        vm.dict_set(d, k, v)?;
        i += 1;
    }
    Ok(())
}

/// Apply keyword arguments as string keys.
pub fn update_kw(vm: &mut Vm, d: &DictRc, kw: Vec<(Rc<str>, Value)>) -> PyResult<()> {
    for (k, v) in kw {
        vm.dict_set(d, Value::str(&k), v)?;
    }
    Ok(())
}

fn get(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "get")?;
    args::unpack("get", &a, 1, 1, 2)?;
    Ok(vm
        .dict_get(&d, &a.pos[1])?
        .unwrap_or_else(|| a.pos.get(2).cloned().unwrap_or(Value::None)))
}

fn setdefault(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "setdefault")?;
    args::unpack("setdefault", &a, 1, 1, 2)?;
    if let Some(v) = vm.dict_get(&d, &a.pos[1])? {
        return Ok(v);
    }
    let v = a.pos.get(2).cloned().unwrap_or(Value::None);
    vm.dict_set(&d, a.pos[1].clone(), v.clone())?;
    Ok(v)
}

fn pop(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "pop")?;
    args::unpack("pop", &a, 1, 1, 2)?;
    match vm.dict_remove(&d, &a.pos[1])? {
        Some(v) => Ok(v),
        None => match a.pos.get(2) {
            Some(dflt) => Ok(dflt.clone()),
            None => Err(key_error(a.pos[1].clone())),
        },
    }
}

fn popitem(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "popitem")?;
    args::none("dict.popitem", &a, 1)?;
    let e = d.borrow_mut().pop_last();
    match e {
        Some(e) => Ok(Value::tuple(vec![e.key, e.value])),
        None => Err(key_error(Value::str("popitem(): dictionary is empty"))),
    }
}

fn update(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "update")?;
    let kw = std::mem::take(&mut a.kw);
    args::unpack("update", &a, 1, 0, 1)?;
    if let Some(o) = a.pos.get(1) {
        update_from(vm, &d, o)?;
    }
    update_kw(vm, &d, kw)?;
    Ok(Value::None)
}

fn view(d: &DictRc, kind: u8) -> Value {
    let dict = Value::Dict(d.clone());
    let len = d.borrow().len();
    let it = match kind {
        0 => IterObj::DictKeys { dict, idx: 0, len },
        1 => IterObj::DictValues { dict, idx: 0, len },
        _ => IterObj::DictItems { dict, idx: 0, len },
    };
    Value::iter(it)
}

fn keys(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "keys")?;
    args::none("dict.keys", &a, 1)?;
    Ok(view(&d, 0))
}

fn values(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "values")?;
    args::none("dict.values", &a, 1)?;
    Ok(view(&d, 1))
}

fn items(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "items")?;
    args::none("dict.items", &a, 1)?;
    Ok(view(&d, 2))
}

fn copy(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "copy")?;
    args::none("dict.copy", &a, 1)?;
    let c = d.borrow().clone();
    Ok(Value::dict(c))
}

fn clear(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let d = recv_dict(&a, "clear")?;
    args::none("dict.clear", &a, 1)?;
    let old = std::mem::take(&mut *d.borrow_mut());
    drop(old);
    Ok(Value::None)
}

/// dict.fromkeys(iterable, value=None); registered as a classmethod, and tolerant of being
/// called without the class.
fn fromkeys(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let skip = usize::from(matches!(a.pos.first(), Some(Value::Class(_))));
    args::unpack("fromkeys", &a, skip, 1, 2)?;
    let v = a.pos.get(skip + 1).cloned().unwrap_or(Value::None);
    let d = Rc::new(RefCell::new(Dict::new()));
    let it = vm.iter(&a.pos[skip])?;
    while let Some(k) = vm.next(&it)? {
        vm.dict_set(&d, k, v.clone())?;
    }
    Ok(Value::tracked(Value::Dict(d)))
}

pub fn register(t: &Types) {
    let table: &[(&'static str, NativeFn)] = &[
        ("get", get),
        ("setdefault", setdefault),
        ("pop", pop),
        ("popitem", popitem),
        ("update", update),
        ("keys", keys),
        ("values", values),
        ("items", items),
        ("copy", copy),
        ("clear", clear),
    ];
    let mut d = t.dict.dict.borrow_mut();
    for (name, f) in table {
        d.insert((*name).into(), args::builtin(name, *f));
    }
    d.insert(
        "fromkeys".into(),
        Value::native(NativeObj::ClassMethod(args::builtin("fromkeys", fromkeys))),
    );
}
